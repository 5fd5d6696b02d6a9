"""Reviewer notifications: a real SMTP server (aiosmtpd) and the fake Telegram on 127.0.0.1."""

from __future__ import annotations

import logging
import socket
from email import message_from_bytes
from email.policy import default as email_policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from fake_platforms import TELEGRAM_TOKEN, FakePlatforms, Project, add_lot, add_post, write_config

from promo_pipeline import notify, runs
from promo_pipeline.schedule import Jobs

SMTP_PASSWORD = "s3cret-SMTP-pass"


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[dict] = []
        self.logins: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(envelope.content, policy=email_policy)
        self.messages.append({"from": envelope.mail_from, "to": envelope.rcpt_tos, "msg": msg,
                              "user": getattr(session, "auth_data", None)})
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.password == \
            SMTP_PASSWORD.encode()
        if ok:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=ok)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port, authenticator=box.authenticate,
                            auth_require_tls=False)
    controller.start()
    box.port = port
    yield box
    controller.stop()


@pytest.fixture(autouse=True)
def env(monkeypatch):
    monkeypatch.setenv("PROMO_TELEGRAM_TOKEN", TELEGRAM_TOKEN)
    monkeypatch.setenv("PROMO_SMTP_PASSWORD", SMTP_PASSWORD)
    monkeypatch.delenv("PROMO_CRASH_AT", raising=False)


def project(tmp_path, smtp_port: int | None, fake: FakePlatforms | None, *,
            channels=("export",), username: str = "promo@kpknl.example") -> Project:
    root = tmp_path / "proj"
    root.mkdir(exist_ok=True)
    extra = ['[review]', 'public_url = "https://promo.kpknl.example"', ""]
    if smtp_port is not None:
        extra += ["[notify.email]", 'host = "127.0.0.1"', f"port = {smtp_port}",
                  "starttls = false", f'username = "{username}"',
                  'from = "promo@kpknl.example"', 'to = ["sari@kpknl.example", "budi@x.example"]',
                  ""]
    if fake is not None:
        extra += ["[notify.telegram]", 'chat_id = "-100200"', f'api_base = "{fake.url}"', ""]
    cfg_path = write_config(root, channels=list(channels),
                            fake_url=fake.url if fake else None, extra="\n".join(extra))
    return Project(root, cfg_path)


def test_run_that_queued_posts_notifies_by_email_and_telegram(tmp_path, smtp, fake):
    p = project(tmp_path, smtp.port, fake)
    result = notify.run_finished(p.cfg, queued=3)
    assert result == {"email": "sent", "telegram": "sent"}
    (mail,) = smtp.messages
    msg = mail["msg"]
    assert msg["Subject"] == "[Promo] 3 unggahan baru menunggu tinjauan"
    assert mail["to"] == ["sari@kpknl.example", "budi@x.example"]
    body = msg.get_content()
    assert "Ada 3 unggahan baru untuk KPKNL Bima" in body
    assert "https://promo.kpknl.example/queue" in body
    assert smtp.logins == ["promo@kpknl.example"]
    (tg,) = fake.telegram
    assert tg["method"] == "sendMessage" and tg["chat_id"] == "-100200"
    assert "3 unggahan baru" in tg["text"] and "https://promo.kpknl.example/queue" in tg["text"]


def test_nothing_queued_sends_nothing(tmp_path, smtp, fake):
    p = project(tmp_path, smtp.port, fake)
    assert notify.run_finished(p.cfg, queued=0) == {}
    assert smtp.messages == [] and fake.telegram == []


def test_after_run_counts_the_posts_the_run_queued(tmp_path, smtp):
    p = project(tmp_path, smtp.port, None)
    add_lot(p.db, "old")
    add_post(p.db, p.cfg, "old", status="pending")  # waiting from an earlier day
    p.db["posts"].update(1, {"created_at": "2020-01-01T00:00:00+00:00"})
    run_id = runs.start_run(p.db, "run")
    for lot in ("a", "b"):
        add_lot(p.db, lot)
        add_post(p.db, p.cfg, lot, status="pending")
    add_lot(p.db, "c")
    add_post(p.db, p.cfg, "c", status="approved")  # not waiting for review
    runs.finish_run(p.db, run_id, counts={}, errors=[], status="ok")
    assert notify.queued_since_run(p.db, run_id) == (2, 3)
    assert notify.after_run(p.cfg, p.db, run_id) == {"email": "sent"}
    body = smtp.messages[0]["msg"].get_content()
    assert "Ada 2 unggahan baru" in body and "3 unggahan menunggu tinjauan saat ini" in body


def test_daily_job_notifies_after_queuing(tmp_path, smtp, fake):
    """The daemon's daily job: run (here a stand-in that queues two posts), then notify."""
    p = project(tmp_path, smtp.port, fake)

    def fake_run(cfg, db):
        recorder = runs.Recorder(db, "run")
        for lot in ("a", "b"):
            add_lot(db, lot)
            add_post(db, cfg, lot, status="pending")
        return recorder.finish({}, [])

    Jobs(p.cfg, run_pipeline=fake_run, lock_wait=1).daily_run()
    assert len(smtp.messages) == 1 and len(fake.telegram) == 1
    assert "2 unggahan baru" in fake.telegram[0]["text"]


def test_failures_are_logged_never_raised(tmp_path, caplog, monkeypatch):
    p = project(tmp_path, free_port(), None)  # nobody listens there
    monkeypatch.setenv("PROMO_SMTP_PASSWORD", "wrong-but-SECRET")
    with caplog.at_level(logging.WARNING, logger="promo_pipeline.notify"):
        result = notify.run_finished(p.cfg, queued=1)
    assert result["email"].startswith("gagal:")
    assert "e-mail" in caplog.text and "SECRET" not in caplog.text


def test_wrong_smtp_password_is_reported_without_the_password(tmp_path, smtp, monkeypatch,
                                                                caplog):
    monkeypatch.setenv("PROMO_SMTP_PASSWORD", "wrong-but-SECRET")
    p = project(tmp_path, smtp.port, None)
    with caplog.at_level(logging.WARNING):
        result = notify.run_finished(p.cfg, queued=1)
    # aiosmtpd answers a failed login by stalling; a real server answers 535. Either way:
    assert result["email"].startswith("gagal: SMTP")
    assert "SECRET" not in result["email"] and "SECRET" not in caplog.text
    assert smtp.messages == []


def test_telegram_notification_without_token_is_a_logged_failure(tmp_path, fake, monkeypatch):
    monkeypatch.delenv("PROMO_TELEGRAM_TOKEN")
    p = project(tmp_path, None, fake)
    assert notify.run_finished(p.cfg, queued=1) == {
        "telegram": "gagal: PROMO_TELEGRAM_TOKEN belum diisi"}
    assert fake.telegram == []


def test_telegram_flood_limit_is_waited_out(tmp_path, fake):
    """Notifications share the channel's Bot API client: a 429 proves nothing was sent, so a
    short ``retry_after`` is waited and the message goes out once; a long one fails it."""
    p = project(tmp_path, None, fake)
    flood = {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 3",
             "parameters": {"retry_after": 3}}
    fake.expect("telegram.sendMessage", ("error", 429, flood))
    slept: list[float] = []
    assert notify.send_telegram(p.cfg, "Ada 1 unggahan baru", sleep=slept.append) == "sent"
    assert slept == [3.0] and len(fake.telegram) == 1

    long_flood = {**flood, "parameters": {"retry_after": 600}}
    fake.expect("telegram.sendMessage", ("error", 429, long_flood))
    result = notify.send_telegram(p.cfg, "Ada 1 unggahan baru", sleep=slept.append)
    assert result.startswith("gagal: Telegram (sendMessage): Telegram membatasi laju kiriman")
    assert "[kode 429]" in result
    assert slept == [3.0] and len(fake.telegram) == 1


def test_telegram_notification_follows_a_migrated_group(tmp_path, fake, caplog):
    p = project(tmp_path, None, fake)
    fake.migrated_chats["-100200"] = -1009200
    with caplog.at_level(logging.WARNING):
        assert notify.run_finished(p.cfg, queued=2) == {"telegram": "sent"}
    (msg,) = fake.telegram
    assert msg["chat_id"] == "-1009200" and "2 unggahan baru" in msg["text"]
    assert 'chat_id = "-1009200"' in caplog.text and TELEGRAM_TOKEN not in caplog.text


def test_telegram_notification_refused_is_reported_plainly(tmp_path, fake):
    p = project(tmp_path, None, fake)
    fake.expect("telegram.sendMessage", ("error", 403, {
        "ok": False, "error_code": 403, "description": "Forbidden: bot was kicked from the group"}))
    result = notify.run_finished(p.cfg, queued=1)["telegram"]
    assert result.startswith("gagal: Telegram (sendMessage): bot tidak punya izin mengirim")
    assert "chat -100200" in result
    assert "kicked" in result and TELEGRAM_TOKEN not in result and fake.telegram == []


def test_unconfigured_notifications_are_skipped(tmp_path):
    p = project(tmp_path, None, None)
    assert notify.run_finished(p.cfg, queued=5) == {}


def test_publish_problems_are_notified(tmp_path, smtp, fake, monkeypatch):
    from promo_pipeline.publish import publish

    monkeypatch.setenv("PROMO_FACEBOOK_TOKEN", "EAA-revoked-SECRET")
    p = project(tmp_path, smtp.port, fake, channels=("export", "facebook"))
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1")
    summary = publish(p.cfg, p.db, now=True)
    assert summary.failed == 1
    (mail,) = smtp.messages
    body = mail["msg"].get_content()
    assert mail["msg"]["Subject"] == "[Promo] 1 pengiriman perlu diperiksa"
    assert f"Unggahan #{post_id} (facebook)" in body and "kedaluwarsa" in body
    assert f"https://promo.kpknl.example/posts/{post_id}" in body
    assert "SECRET" not in body
    (tg,) = [m for m in fake.telegram if m["method"] == "sendMessage"]
    assert "GAGAL" in tg["text"]
    # Nothing failed in the next publish: no second notice.
    publish(p.cfg, p.db, now=True)
    assert len(smtp.messages) == 1


def test_review_url_defaults_to_host_and_port(tmp_path):
    from promo_pipeline import config

    cfg = config.from_dict({"review": {"host": "127.0.0.1", "port": 8765}}, base_dir=tmp_path)
    assert notify.review_url(cfg, "/queue") == "http://127.0.0.1:8765/queue"
    cfg = config.from_dict({"review": {"host": "0.0.0.0", "port": 9000}}, base_dir=tmp_path)
    assert notify.review_url(cfg) == f"http://{socket.gethostname()}:9000"


# --- several offices: each office's notices to its own audience (issue 16) -----------------------

DOMPU_TOKEN = "654321:TEST-dompu-SECRET-token"


def kanwil(tmp_path, smtp_port: int, fake: FakePlatforms, *, dompu_notify: bool = True,
           extra: str = "") -> Project:
    """KPKNL Bima on the top-level [notify]; KPKNL Dompu with its own reviewers' group and
    e-mail (and, when the test sets it, its own bot); KPKNL Sumbawa without a table."""
    p = project(tmp_path, smtp_port, fake)
    offices = [
        "", "[[offices]]", 'id = "off-dompu"', 'name = "KPKNL Dompu"',
        'timezone = "Asia/Makassar"', "",
    ]
    if dompu_notify:
        offices += ["[offices.notify.telegram]", 'chat_id = "-100300"', "",
                    "[offices.notify.email]", 'to = ["kepala@dompu.example"]', ""]
    offices += ["[[offices]]", 'id = "off-sumbawa"', 'name = "KPKNL Sumbawa"',
                'timezone = "Asia/Makassar"', ""]
    text = p.cfg_path.read_text(encoding="utf-8")
    # The new offices go right after the first one (a TOML array of tables stays together).
    head, sep, rest = text.partition("[storage]")
    p.cfg_path.write_text(head + "\n".join(offices) + "\n" + sep + rest + extra,
                          encoding="utf-8")
    p.close()
    return Project(p.root, p.cfg_path)


def post_of(p: Project, lot: str, office: str) -> int:
    add_lot(p.db, lot)
    pid = add_post(p.db, p.cfg, lot, status="pending")
    p.db["posts"].update(pid, {"office_id": office})
    return pid


def by_chat(fake: FakePlatforms) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for m in fake.telegram:
        out.setdefault(m["chat_id"], []).append(m["text"])
    return out


def test_each_office_is_told_of_its_own_posts_in_its_own_chat_and_mail(tmp_path, smtp, fake):
    p = kanwil(tmp_path, smtp.port, fake)
    run_id = runs.start_run(p.db, "run")
    post_of(p, "b1", "off-bima")
    post_of(p, "b2", "off-bima")
    post_of(p, "s1", "off-sumbawa")
    post_of(p, "d1", "off-dompu")
    runs.finish_run(p.db, run_id, counts={}, errors=[], status="ok")

    result = notify.after_run(p.cfg, p.db, run_id)
    assert result == {"email": "sent", "telegram": "sent",
                      "email:off-dompu": "sent", "telegram:off-dompu": "sent"}
    chats = by_chat(fake)
    assert set(chats) == {"-100200", "-100300"}
    (top,) = chats["-100200"]   # Bima and Sumbawa share the top-level group: one message
    assert "Ada 3 unggahan baru untuk KPKNL Bima, KPKNL Sumbawa" in top
    assert "Dompu" not in top and "https://promo.kpknl.example/queue\n" in top
    (dompu,) = chats["-100300"]
    assert "Ada 1 unggahan baru untuk KPKNL Dompu" in dompu and "Bima" not in dompu
    assert "https://promo.kpknl.example/queue?office=off-dompu" in dompu
    mails = {tuple(m["to"]): m["msg"].get_content() for m in smtp.messages}
    # Dompu's [offices.notify.email] sets only `to`: the top-level server, login and sender.
    assert set(mails) == {("sari@kpknl.example", "budi@x.example"), ("kepala@dompu.example",)}
    assert "KPKNL Dompu" in mails[("kepala@dompu.example",)]
    assert "Dompu" not in mails[("sari@kpknl.example", "budi@x.example")]
    assert smtp.logins == ["promo@kpknl.example"] * 2

    # A run that queued posts of one office only tells that office's audience.
    fake.telegram.clear()
    p.db.execute("update posts set created_at = '2020-01-01T00:00:00+00:00'")  # an earlier day
    p.db.conn.commit()
    later = runs.start_run(p.db, "run")
    post_of(p, "d2", "off-dompu")
    runs.finish_run(p.db, later, counts={}, errors=[], status="ok")
    assert notify.after_run(p.cfg, p.db, later) == {"email:off-dompu": "sent",
                                                     "telegram:off-dompu": "sent"}
    (msg,) = fake.telegram
    assert msg["chat_id"] == "-100300" and "Ada 1 unggahan baru untuk KPKNL Dompu" in msg["text"]
    assert "Ringkasan: 2 unggahan menunggu tinjauan saat ini" in msg["text"]


def test_an_office_with_its_own_bot_notifies_with_its_own_token(tmp_path, fake, monkeypatch):
    """PROMO_TELEGRAM_TOKEN_<SUFFIX> for the office's own group; the unsuffixed one stays the
    top level's. The fake accepts one token: here Dompu's, so the top-level message fails."""
    monkeypatch.setenv("PROMO_TELEGRAM_TOKEN_OFF_DOMPU", DOMPU_TOKEN)
    monkeypatch.setenv("PROMO_TELEGRAM_TOKEN", "999:not-the-dompu-SECRET")
    fake.tokens["telegram"] = DOMPU_TOKEN
    p = kanwil(tmp_path, None, fake)
    result = notify.run_finished(p.cfg, queued={"off-dompu": 2, "off-bima": 1})
    assert result["telegram:off-dompu"] == "sent"
    assert result["telegram"].startswith("gagal:") and "SECRET" not in result["telegram"]
    assert [m["chat_id"] for m in fake.telegram] == ["-100300"]
    # Without its own variable the office falls back to the unsuffixed token.
    monkeypatch.delenv("PROMO_TELEGRAM_TOKEN_OFF_DOMPU")
    assert notify.run_finished(p.cfg, queued={"off-dompu": 1})[
        "telegram:off-dompu"].startswith("gagal:")


def test_publish_problems_and_failed_runs_go_to_the_offices_they_concern(tmp_path, fake):
    from types import SimpleNamespace

    p = kanwil(tmp_path, None, fake)
    bima, dompu = post_of(p, "b1", "off-bima"), post_of(p, "d1", "off-dompu")
    problems = [SimpleNamespace(post_id=bima, channel="facebook", status="failed",
                                error="token kedaluwarsa"),
                SimpleNamespace(post_id=dompu, channel="telegram", status="unconfirmed",
                                error=None)]
    assert notify.publish_problems(p.cfg, p.db, problems) == {"telegram": "sent",
                                                              "telegram:off-dompu": "sent"}
    chats = by_chat(fake)
    assert f"Unggahan #{bima} (facebook)" in chats["-100200"][0]
    assert f"#{dompu}" not in chats["-100200"][0]
    assert f"Unggahan #{dompu} (telegram)" in chats["-100300"][0]
    assert f"#{bima}" not in chats["-100300"][0]

    # The daemon's run of one office failed: only that office's audience hears of it.
    fake.telegram.clear()
    run_id = runs.start_run(p.db, "run")
    runs.finish_run(p.db, run_id, counts={"offices": ["off-dompu"]},
                    errors=["API lelang.go.id tidak menjawab"], status="failed")
    run = runs.get_run(p.db, run_id)
    assert run.offices == ("off-dompu",) and run.status == runs.FAILED
    assert notify.run_failed(p.cfg, run) == {"telegram:off-dompu": "sent"}
    (msg,) = fake.telegram
    assert msg["chat_id"] == "-100300" and "untuk KPKNL Dompu gagal" in msg["text"]
    # A failed run of every office tells every audience, each naming its own offices.
    fake.telegram.clear()
    every = runs.start_run(p.db, "run")
    runs.finish_run(p.db, every, counts={}, errors=["galat"], status="failed")
    assert set(notify.run_failed(p.cfg, runs.get_run(p.db, every))) == {
        "telegram", "telegram:off-dompu"}
    chats = by_chat(fake)
    assert "untuk KPKNL Bima, KPKNL Sumbawa gagal" in chats["-100200"][0]


def test_offices_with_the_same_own_settings_are_told_together(tmp_path, fake):
    p = kanwil(tmp_path, None, fake, dompu_notify=False)
    text = p.cfg_path.read_text(encoding="utf-8")
    for office in ("off-dompu", "off-sumbawa"):
        text = text.replace(f'id = "{office}"',
                            f'id = "{office}"\nnotify.telegram.chat_id = "-100400"')
    p.cfg_path.write_text(text, encoding="utf-8")
    p = Project(p.root, p.cfg_path)
    (top, shared) = notify.audiences(p.cfg)
    assert top.office_ids == ("off-bima",) and top.settings.telegram.chat_id == "-100200"
    assert shared.office_ids == ("off-dompu", "off-sumbawa")
    assert shared.settings.telegram.api_base == fake.url  # inherited key by key
    assert notify.run_finished(p.cfg, queued={"off-dompu": 1, "off-sumbawa": 2}) == {
        "telegram:off-dompu": "sent"}
    (msg,) = fake.telegram
    assert msg["chat_id"] == "-100400"
    assert "Ada 3 unggahan baru untuk KPKNL Dompu, KPKNL Sumbawa" in msg["text"]
    assert "/queue\n" in msg["text"]  # two offices: the unfiltered queue


def test_an_offices_monthly_report_goes_to_its_own_recipients(tmp_path, smtp, fake):
    extra = "\n[report]\nemail_to = [\"kanwil@djkn.example\"]\n"
    p = kanwil(tmp_path, smtp.port, fake, extra=extra)
    text = p.cfg_path.read_text(encoding="utf-8").replace(
        '[offices.notify.telegram]',
        '[offices.report]\nemail_to = ["kepala@dompu.example"]\ntelegram_chat_id = "-100301"\n\n'
        '[offices.notify.telegram]')
    p.cfg_path.write_text(text, encoding="utf-8")
    p = Project(p.root, p.cfg_path)
    html = tmp_path / "laporan.html"
    html.write_text("<html><body>Laporan</body></html>", encoding="utf-8")
    assert notify.report_recipients(p.cfg, "off-dompu")
    sent = notify.send_report(p.cfg, month_label="November 2026", office_name="KPKNL Dompu",
                              summary="3 lot tayang.", html=html, office_id="off-dompu")
    assert sent == {"email": "sent", "telegram": "sent"}
    (mail,) = smtp.messages
    assert mail["to"] == ["kepala@dompu.example"]
    (doc,) = fake.telegram
    assert doc["method"] == "sendDocument" and doc["chat_id"] == "-100301"
    sent = notify.send_report(p.cfg, month_label="November 2026", office_name="KPKNL Bima",
                              summary="5 lot tayang.", html=html, office_id="off-bima")
    assert sent == {"email": "sent"} and smtp.messages[1]["to"] == ["kanwil@djkn.example"]


def test_office_notify_and_report_tables_are_checked(tmp_path):
    from promo_pipeline import config
    from promo_pipeline.errors import ConfigError

    base = {"notify": {"telegram": {"chat_id": "-1", "api_base": "https://tg.example"}}}
    cfg = config.from_dict({**base, "offices": [
        {"id": "a", "name": "A", "notify": {"telegram": {"chat_id": "-2"}}},
        {"id": "b", "name": "B"}]}, base_dir=tmp_path)
    assert cfg.notify_for("a").telegram.chat_id == "-2"
    assert cfg.notify_for("a").telegram.api_base == "https://tg.example"
    assert cfg.notify_for("b") == cfg.notify_for(None) == cfg.notify
    with pytest.raises(ConfigError, match=r"offices\[0\]\.notify\.telegram\.chat'"):
        config.from_dict({"offices": [{"id": "a", "name": "A",
                                       "notify": {"telegram": {"chat": "-2"}}}]},
                         base_dir=tmp_path)
    with pytest.raises(ConfigError, match=r"offices\[0\]\.report\.send_at'.*email_to, "
                                          r"telegram_chat_id"):
        config.from_dict({"offices": [{"id": "a", "name": "A",
                                       "report": {"send_at": "08:00"}}]}, base_dir=tmp_path)

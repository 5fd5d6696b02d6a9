"""The Telegram Bot API's error answers: what each proves, and what the outbox does.

Settings read: none.

Sources (stored copies found with the search tool; cited in README "Publikasi"):

- Bot API reference, ``sendPhoto`` / ``sendMediaGroup``: a photo is at most 10 MB, width +
  height at most 10,000, ratio at most 20; a caption 0-1,024 characters after entity parsing;
  a media group 2-10 items (https://core.telegram.org/bots/api#sendphoto, as quoted in
  https://github.com/daskol/typst-telegram-bot/issues/3 and
  https://github.com/tdlib/td/issues/2544).
- Bot Support "My bot is hitting limits": about 1 message a second in one chat, "not more
  than 20 messages per minute to the same group", else ``429`` errors
  (https://telegra.ph/Hitting-limits-bot-FAQ); a ``429`` carries ``parameters.retry_after``
  (https://graph.org/So-your-bot-is-rate-limited-01-26).
- The answers seen in practice: ``400 Bad Request: message caption is too long``
  (https://github.com/gitroomhq/postiz-app/issues/1171), ``400 PHOTO_INVALID_DIMENSIONS``
  (https://github.com/nickoala/telepot/issues/135), ``PHOTO_SAVE_FILE_INVALID`` for a photo
  over 10 MB (https://github.com/zhukov/webogram/issues/1011), ``400 … group chat was upgraded
  to a supergroup chat`` with ``parameters.migrate_to_chat_id``, ``403 Forbidden: bot is not a
  member of the channel chat`` / ``bot was kicked``, ``401 Unauthorized`` / ``404 Not Found``
  for a wrong token.

Only a refusal proves nothing was sent: ``429`` and every other ``4xx``. A ``5xx`` (or an answer
that cannot be read) on a call that posts may hide a message that went out — reported by bot
authors as double posts after ``502 Bad Gateway`` — so it is ``TRANSIENT``: unconfirmed when
posting, retried otherwise (``getMe``, ``getChat``).
"""

from __future__ import annotations

from promo_pipeline.publish.errortable import Kind, Rule, Table

_TOKEN = Rule(Kind.PERMANENT, "token bot ditolak — salah, dicabut atau kedaluwarsa")
_RIGHTS = Rule(Kind.PERMANENT, "bot tidak punya izin mengirim ke chat ini; jadikan bot admin "
                               "kanal dengan izin 'Post Messages'")
_SERVER = Rule(Kind.TRANSIENT, "server Telegram sedang bermasalah")

TELEGRAM = Table(
    platform="Telegram",
    statuses={
        401: _TOKEN,
        404: _TOKEN,  # /bot<wrong token>/method answers "Not Found"
        403: _RIGHTS,
        413: Rule(Kind.PERMANENT, "berkas terlalu besar untuk Telegram (foto maks. 10 MB, video "
                             "maks. 50 MB)"),
        # The wait comes from parameters.retry_after (the client reads it).
        429: Rule(Kind.WAIT, "Telegram membatasi laju kiriman ke chat ini (Too Many Requests)",
                  wait=60.0),
        500: _SERVER, 502: _SERVER, 503: _SERVER, 504: _SERVER,
    },
    texts=(
        ("caption is too long",
         Rule(Kind.PERMANENT, "keterangan lebih dari 1.024 karakter (batas foto Telegram)")),
        ("message is too long",
         Rule(Kind.PERMANENT, "teks lebih dari 4.096 karakter (batas pesan Telegram)")),
        ("PHOTO_INVALID_DIMENSIONS",
         Rule(Kind.PERMANENT, "ukuran foto ditolak Telegram (lebar + tinggi maks. 10.000 px, "
                              "rasio sisi maks. 20)")),
        ("PHOTO_SAVE_FILE_INVALID",
         Rule(Kind.PERMANENT, "foto tidak dapat disimpan Telegram (maks. 10 MB)")),
        ("IMAGE_PROCESS_FAILED", Rule(Kind.PERMANENT, "Telegram gagal memproses gambar")),
        ("chat not found",
         Rule(Kind.PERMANENT, "chat tidak ditemukan: periksa publish.telegram.chat_id dan "
                              "pastikan bot sudah ditambahkan ke kanal")),
        ("not enough rights", _RIGHTS),
        ("need administrator rights", _RIGHTS),
        ("wrong number of", Rule(Kind.PERMANENT, "album Telegram harus berisi 2–10 foto")),
    ),
    client_error=Rule(Kind.PERMANENT, "Telegram menolak permintaan"),
    unknown=Rule(Kind.TRANSIENT, "jawaban Telegram tidak jelas"),
)

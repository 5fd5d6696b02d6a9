"""The demo photos' scenes: one drawing per kind of lot, on a supersampled canvas.

Settings read: none.

Each scene draws onto an RGB canvas ``SS`` times the output size with its own seeded
``random.Random``; :mod:`.photos` scales it down and makes it look like a phone photo.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from PIL import Image, ImageDraw

from promo_pipeline.demo.draw import (
    CAR_VARIANTS,
    COLORS,
    SS,
    band,
    jitter,
    shade,
    shadow,
    sky,
    texture_strokes,
    tree,
    vgradient,
    wheel,
)

# --- scenes ---------------------------------------------------------------------------------------


def _scene_car(img: Image.Image, rng: random.Random, variant: str | None,
               color: str | None) -> None:
    w, h = img.size
    horizon = int(h * rng.uniform(0.40, 0.48))
    sky(img, rng, horizon)
    draw = ImageDraw.Draw(img)
    # An office building behind the parking lot.
    wall_top = int(h * rng.uniform(0.18, 0.26))
    wall = jitter(rng.choice([(226, 214, 190), (214, 220, 214), (232, 226, 210)]), rng)
    draw.rectangle((0, wall_top, w, int(h * 0.62)), fill=wall)
    draw.rectangle((0, wall_top - 18 * SS, w, wall_top), fill=shade(wall, 0.7))
    for x in range(int(w * 0.04), w, int(w * 0.16)):
        draw.rectangle((x, wall_top + 40 * SS, x + w * 0.09, wall_top + 150 * SS),
                       fill=(82, 104, 120))
        draw.rectangle((x, wall_top + 40 * SS, x + w * 0.09, wall_top + 150 * SS),
                       outline=shade(wall, 0.8), width=6 * SS)
    ground = int(h * 0.62)
    band(img, ground, h, (120, 122, 124), (88, 90, 92))
    texture_strokes(draw, rng, (0, ground, w, h), [(70, 70, 72), (140, 140, 142)], 2500,
                     (2 * SS, 6 * SS), SS)
    for x in range(-w // 4, w, int(w * 0.32)):  # parking lines in perspective
        draw.polygon([(x + w * 0.1, ground), (x + w * 0.11, ground), (x + w * 0.02, h),
                      (x, h)], fill=(222, 220, 200))

    body = jitter(COLORS[color] if color else rng.choice(list(COLORS.values())), rng, 6)
    style = variant or rng.choice(CAR_VARIANTS)
    base = h * 0.84
    length = w * rng.uniform(0.62, 0.72)
    x0 = (w - length) / 2 + rng.uniform(-0.04, 0.04) * w
    x1 = x0 + length
    wheel_r = h * 0.085
    shadow(img, (x0 - 20 * SS, base - 26 * SS, x1 + 20 * SS, base + 22 * SS),
            darkness=150, blur=14 * SS)
    draw = ImageDraw.Draw(img)
    body_top = base - h * (0.21 if style != "sedan" else 0.18)
    draw.rounded_rectangle((x0, body_top, x1, base - wheel_r * 0.45), radius=34 * SS, fill=body)
    roof = base - h * (0.37 if style == "mpv" else 0.33)
    if style == "pickup":
        cab = [(x0 + length * 0.55, body_top), (x0 + length * 0.6, roof),
               (x1 - length * 0.12, roof), (x1 - length * 0.02, body_top)]
    elif style == "sedan":
        cab = [(x0 + length * 0.14, body_top), (x0 + length * 0.3, roof),
               (x0 + length * 0.68, roof), (x0 + length * 0.86, body_top)]
    else:
        cab = [(x0 + length * 0.04, body_top), (x0 + length * 0.08, roof),
               (x0 + length * 0.7, roof), (x0 + length * 0.9, body_top)]
    draw.polygon(cab, fill=body)
    # Glass: inset of the cabin, split by pillars.
    inset = 16 * SS
    glass = [(cab[0][0] + inset * 1.6, body_top - inset * 0.5), (cab[1][0] + inset, roof + inset),
             (cab[2][0] - inset, roof + inset), (cab[3][0] - inset * 1.6, body_top - inset * 0.5)]
    draw.polygon(glass, fill=(54, 74, 92))
    gx0, gx1 = glass[0][0], glass[3][0]
    for t in (0.38, 0.7):
        px = gx0 + (gx1 - gx0) * t
        draw.rectangle((px - 7 * SS, roof, px + 7 * SS, body_top), fill=body)
    draw.polygon([(gx0 + (gx1 - gx0) * 0.1, body_top - inset), (gx0 + (gx1 - gx0) * 0.22,
                  roof + inset), (gx0 + (gx1 - gx0) * 0.3, roof + inset),
                  (gx0 + (gx1 - gx0) * 0.18, body_top - inset)], fill=(120, 146, 166))
    if style == "pickup":
        draw.rectangle((x0 + 10 * SS, body_top - 14 * SS, x0 + length * 0.54, body_top),
                       fill=shade(body, 0.8))
    # Shoulder highlight, door lines, lights, bumper.
    draw.line((x0 + 30 * SS, body_top + 14 * SS, x1 - 30 * SS, body_top + 14 * SS),
              fill=shade(body, 1.18) if sum(body) < 600 else shade(body, 0.9), width=5 * SS)
    for t in (0.42, 0.64):
        dx = x0 + length * t
        draw.line((dx, body_top + 4 * SS, dx, base - wheel_r * 0.6), fill=shade(body, 0.7),
                  width=2 * SS)
        draw.rectangle((dx + 24 * SS, body_top + 34 * SS, dx + 52 * SS, body_top + 40 * SS),
                       fill=shade(body, 0.6))
    draw.rounded_rectangle((x1 - 46 * SS, body_top + 20 * SS, x1 - 6 * SS, body_top + 44 * SS),
                           radius=8 * SS, fill=(252, 246, 214))
    draw.rounded_rectangle((x0 + 6 * SS, body_top + 20 * SS, x0 + 30 * SS, body_top + 50 * SS),
                           radius=6 * SS, fill=(188, 30, 30))
    draw.rectangle((x0 - 4 * SS, base - wheel_r * 0.9, x1 + 4 * SS, base - wheel_r * 0.55),
                   fill=(40, 40, 44))
    for cx in (x0 + length * 0.2, x1 - length * 0.2):
        draw.ellipse((cx - wheel_r * 1.18, base - wheel_r * 2.1, cx + wheel_r * 1.18,
                      base + wheel_r * 0.2), fill=(22, 22, 24))
        wheel(draw, cx, base - wheel_r, wheel_r)


def _scene_motorcycle(img: Image.Image, rng: random.Random, variant: str | None,
                      color: str | None) -> None:
    w, h = img.size
    floor = int(h * rng.uniform(0.56, 0.62))
    # Corrugated wall of a storage shed.
    wall = jitter(rng.choice([(176, 184, 188), (196, 180, 150), (160, 176, 168)]), rng)
    band(img, 0, floor, shade(wall, 1.08), shade(wall, 0.9))
    draw = ImageDraw.Draw(img)
    step = 26 * SS
    for x in range(0, w, step):
        draw.line((x, 0, x, floor), fill=shade(wall, 0.82), width=4 * SS)
        draw.line((x + 6 * SS, 0, x + 6 * SS, floor), fill=shade(wall, 1.1), width=2 * SS)
    band(img, floor, h, (150, 146, 140), (112, 108, 104))
    texture_strokes(draw, rng, (0, floor, w, h), [(96, 94, 90), (170, 166, 160)], 2200,
                     (2 * SS, 5 * SS), SS)
    draw.line((0, floor, w, floor), fill=(92, 88, 84), width=5 * SS)

    body = jitter(COLORS[color] if color else rng.choice(list(COLORS.values())), rng, 6)
    trim = (36, 36, 40) if sum(body) > 200 else (150, 152, 156)
    base = h * rng.uniform(0.86, 0.9)
    r = h * 0.1
    rear_x = w / 2 - 2.45 * r + rng.uniform(-0.05, 0.05) * w

    def p(x: float, y: float) -> tuple[float, float]:
        """Scooter coordinates in wheel radii: origin at the rear axle, y up."""
        return rear_x + x * r, base - r - y * r

    front = 4.9
    shadow(img, (*p(-1.5, -0.8), *p(front + 1.3, -1.2)), darkness=160, blur=12 * SS)
    draw = ImageDraw.Draw(img)
    # Exhaust, then engine and swing arm.
    draw.line((*p(-0.5, -0.35), *p(1.5, -0.2)), fill=(158, 160, 164), width=int(r * 0.22))
    draw.line((*p(0, 0), *p(2.1, 0.15)), fill=(58, 58, 62), width=int(r * 0.45))
    draw.polygon([p(-1.15, 0.45), p(-0.95, 1.3), p(2.3, 1.35), p(2.55, 0.6), p(1.8, 0.15),
                  p(0.7, 0.2)], fill=body)  # rear cowl
    draw.line((*p(-0.9, 0.85), *p(2.2, 0.8)), fill=shade(body, 0.75), width=int(r * 0.06))
    draw.polygon([p(-1.2, 0.55), p(-1.05, 0.95), p(-0.9, 0.95), p(-1.0, 0.55)], fill=(190, 30, 30))
    draw.rounded_rectangle((*p(-0.85, 1.65), *p(2.35, 1.28)), radius=r * 0.18, fill=(30, 28, 26))
    draw.polygon([p(2.2, -0.05), p(3.7, -0.05), p(3.8, 0.3), p(2.3, 0.3)], fill=trim)  # floor
    draw.polygon([p(3.55, -0.05), p(3.85, 2.25), p(4.35, 2.3), p(4.45, 0.7), p(4.0, 0.0)],
                 fill=body)  # leg shield
    draw.line((*p(4.2, 2.1), *p(front, 0)), fill=(72, 74, 78), width=int(r * 0.18))  # fork
    draw.arc((*p(front - 1.2, 1.25), *p(front + 1.2, -0.95)), 200, 330, fill=shade(body, 0.85),
             width=int(r * 0.22))  # mudguard
    draw.line((*p(4.15, 2.35), *p(3.75, 2.75)), fill=(44, 44, 48), width=int(r * 0.16))
    draw.line((*p(3.75, 2.75), *p(3.2, 2.7)), fill=(30, 30, 32), width=int(r * 0.18))  # grip
    draw.rounded_rectangle((*p(3.95, 2.65), *p(4.5, 2.25)), radius=r * 0.1, fill=body)
    draw.ellipse((*p(4.35, 2.6), *p(4.7, 2.25)), fill=(250, 244, 210))  # headlamp
    draw.line((*p(3.7, 2.75), *p(3.55, 3.1)), fill=(40, 40, 44), width=int(r * 0.06))  # mirror
    draw.ellipse((*p(3.38, 3.28), *p(3.72, 3.02)), fill=(40, 40, 44))
    for x in (0, front):
        wheel(draw, *p(x, 0), r, spokes=rng.choice([3, 5, 6]))


def _scene_land(img: Image.Image, rng: random.Random, variant: str | None,
                color: str | None) -> None:
    w, h = img.size
    horizon = int(h * rng.uniform(0.36, 0.46))
    sky(img, rng, horizon)
    draw = ImageDraw.Draw(img)
    # Distant hills (Sumbawa/Bima are hilly): two smooth ridges.
    for layer, color in enumerate([(120, 146, 150), (96, 128, 96)]):
        phase, amp = rng.uniform(0, 6.3), h * rng.uniform(0.05, 0.1)
        base_y = horizon - h * (0.06 - layer * 0.04)
        pts = [(0, horizon + 2)]
        for x in range(0, w + 40, 40):
            y = base_y - amp * (0.6 + 0.4 * math.sin(x / w * 5 + phase)) * (
                1 - layer * 0.4)
            pts.append((x, y))
        pts.append((w, horizon + 2))
        draw.polygon(pts, fill=jitter(color, rng, 8))
    field = jitter(rng.choice([(150, 160, 84), (122, 150, 70), (176, 160, 98)]), rng)
    band(img, horizon, h, shade(field, 0.85), shade(field, 1.05))
    texture_strokes(draw, rng, (0, horizon, w, h),
                     [shade(field, 0.7), shade(field, 1.2), (196, 180, 120)], 6500,
                     (6 * SS, 22 * SS), SS * 2)
    # A dirt track leading into the plot.
    tx = w * rng.uniform(0.3, 0.7)
    draw.polygon([(tx - w * 0.02, horizon + 6), (tx + w * 0.02, horizon + 6),
                  (tx + w * 0.22, h), (tx - w * 0.12, h)], fill=jitter((170, 140, 100), rng))
    texture_strokes(draw, rng, (int(tx - w * 0.08), horizon + 40, int(tx + w * 0.15), h),
                     [(140, 112, 80), (196, 170, 130)], 900, (3 * SS, 8 * SS), SS)
    # Trees along the back of the plot, large ones in front.
    for _ in range(rng.randint(4, 7)):
        tree(draw, rng, rng.uniform(0, w), horizon + rng.uniform(5, 30) * SS,
              h * rng.uniform(0.12, 0.22))
    for _ in range(rng.randint(1, 3)):
        side = rng.choice([rng.uniform(0.02, 0.2), rng.uniform(0.8, 0.98)])
        tree(draw, rng, w * side, h * rng.uniform(0.72, 0.9), h * rng.uniform(0.4, 0.55))
    # Boundary stakes (patok) with a string line, in perspective.
    near, far = h * 0.92, horizon + h * 0.08
    x_near, x_far = w * rng.uniform(0.04, 0.12), w * rng.uniform(0.3, 0.4)
    for t in (0.0, 0.33, 0.66, 1.0):
        y = near + (far - near) * t
        x = x_near + (x_far - x_near) * t
        s = 1.0 - 0.7 * t
        half, tall = 9 * s * SS, 70 * s * SS
        draw.rectangle((x - half, y - tall, x + half, y), fill=(236, 236, 230))
        draw.rectangle((x - half, y - tall, x + half, y - tall * 0.71), fill=(196, 40, 36))
    draw.line((x_near, near - 60 * SS, x_far, far - 18 * SS), fill=(240, 240, 230), width=SS * 2)


def _scene_house(img: Image.Image, rng: random.Random, variant: str | None,
                 color: str | None) -> None:
    w, h = img.size
    horizon = int(h * 0.58)
    sky(img, rng, horizon)
    draw = ImageDraw.Draw(img)
    for _ in range(rng.randint(2, 4)):  # trees behind the house
        tree(draw, rng, rng.uniform(0, w), horizon, h * rng.uniform(0.3, 0.45))
    band(img, horizon, h, (124, 150, 78), (104, 132, 64))
    texture_strokes(draw, rng, (0, horizon, w, h), [(90, 120, 56), (150, 170, 96)], 6000,
                     (5 * SS, 14 * SS), SS * 2)
    hw = w * rng.uniform(0.5, 0.62)
    x0 = (w - hw) / 2 + rng.uniform(-0.06, 0.06) * w
    x1 = x0 + hw
    base = h * 0.8
    top = base - h * rng.uniform(0.26, 0.32)
    wall = jitter(rng.choice([(236, 224, 196), (220, 232, 226), (242, 236, 222), (214, 196, 170)]),
                   rng)
    shadow(img, (x0 - 30 * SS, base - 20 * SS, x1 + 60 * SS, base + 30 * SS), darkness=110,
            blur=16 * SS)
    draw = ImageDraw.Draw(img)
    draw.rectangle((x0, top, x1, base), fill=wall)
    draw.rectangle((x0, top, x0 + hw * 0.04, base), fill=shade(wall, 0.88))
    roof = jitter(rng.choice([(150, 62, 42), (92, 92, 100), (120, 52, 40)]), rng)
    peak = top - h * rng.uniform(0.14, 0.2)
    over = hw * 0.07
    draw.polygon([(x0 - over, top + 6 * SS), (x0 + hw * 0.5, peak), (x1 + over, top + 6 * SS)],
                 fill=roof)
    for k in range(1, 9):  # roof tile rows
        t = k / 9
        ya = peak + (top - peak) * t
        half = (hw / 2 + over) * t
        draw.line((x0 + hw * 0.5 - half, ya, x0 + hw * 0.5 + half, ya), fill=shade(roof, 0.78),
                  width=2 * SS)
    draw.rectangle((x0 - over, top, x1 + over, top + 10 * SS), fill=shade(roof, 0.6))
    door_x = x0 + hw * rng.uniform(0.42, 0.5)
    door = jitter((112, 72, 44), rng)
    draw.rectangle((door_x, base - h * 0.17, door_x + hw * 0.12, base), fill=door)
    draw.rectangle((door_x + hw * 0.09, base - h * 0.09, door_x + hw * 0.105, base - h * 0.085),
                   fill=(220, 200, 120))
    for wx in (x0 + hw * 0.12, x0 + hw * 0.68):
        frame = (wx, top + h * 0.06, wx + hw * 0.18, top + h * 0.15)
        draw.rectangle(frame, fill=(74, 96, 110))
        draw.rectangle(frame, outline=(246, 246, 240), width=5 * SS)
        draw.line((wx + hw * 0.09, top + h * 0.06, wx + hw * 0.09, top + h * 0.15),
                  fill=(246, 246, 240), width=4 * SS)
    draw.rectangle((x0 - 10 * SS, base - 8 * SS, x1 + 10 * SS, base + 10 * SS),
                   fill=(176, 170, 160))  # porch step
    # Fence in front.
    fence_y = h * 0.93
    fence = jitter(rng.choice([(40, 40, 44), (226, 226, 220), (40, 90, 60)]), rng)
    draw.line((0, fence_y - h * 0.08, w, fence_y - h * 0.08), fill=fence, width=6 * SS)
    for x in range(0, w, 24 * SS):
        draw.rectangle((x, fence_y - h * 0.1, x + 7 * SS, fence_y), fill=fence)
    tree(draw, rng, rng.choice([w * 0.08, w * 0.92]), h * 0.86, h * 0.5)


def _scene_scrap(img: Image.Image, rng: random.Random, variant: str | None,
                 color: str | None) -> None:
    w, h = img.size
    wall_bottom = int(h * rng.uniform(0.42, 0.5))
    wall = jitter((150, 154, 150), rng)
    band(img, 0, int(wall_bottom * 0.3), (170, 200, 226), (204, 220, 232))
    band(img, int(wall_bottom * 0.3), wall_bottom, shade(wall, 1.05), shade(wall, 0.9))
    draw = ImageDraw.Draw(img)
    for x in range(0, w, 30 * SS):  # corrugated zinc fence
        draw.line((x, wall_bottom * 0.3, x, wall_bottom), fill=shade(wall, 0.78), width=5 * SS)
    band(img, wall_bottom, h, (150, 128, 98), (118, 98, 74))
    texture_strokes(draw, rng, (0, wall_bottom, w, h), [(96, 80, 60), (176, 156, 124)], 4000,
                     (2 * SS, 7 * SS), SS)
    rusts = [(122, 62, 34), (150, 80, 40), (96, 52, 34), (110, 100, 92), (84, 80, 78),
             (170, 104, 56), (62, 58, 56)]
    cx, base = w / 2 + rng.uniform(-0.05, 0.05) * w, h * 0.88
    spread, height = w * rng.uniform(0.32, 0.4), h * rng.uniform(0.36, 0.44)
    shadow(img, (cx - spread * 1.1, base - 30 * SS, cx + spread * 1.1, base + 26 * SS),
            darkness=150, blur=14 * SS)
    draw = ImageDraw.Draw(img)
    # A mound built from the back (top) to the front (bottom) of many random pieces.
    for i in range(170):
        t = i / 170
        u = rng.uniform(-1, 1)
        x = cx + u * spread
        top_here = base - height * (1 - u * u) * rng.uniform(0.5, 1.0)
        y = top_here + (base - top_here) * (t * rng.uniform(0.6, 1.0))
        piece = jitter(rng.choice(rusts), rng, 14)
        kind = rng.random()
        size = rng.uniform(26, 80) * SS
        if kind < 0.55:  # bent sheet or plate
            pts = [(x + size * math.cos(a) * rng.uniform(0.4, 1.0),
                    y + size * 0.6 * math.sin(a) * rng.uniform(0.4, 1.0))
                   for a in sorted(rng.uniform(0, 2 * math.pi) for _ in range(5))]
            draw.polygon(pts, fill=piece, outline=shade(piece, 0.6))
        elif kind < 0.85:  # pipe or angle iron
            a = rng.uniform(-0.6, 0.6)
            ln = size * rng.uniform(1.5, 3.5)
            draw.line((x, y, x + ln * math.cos(a), y + ln * math.sin(a)), fill=piece,
                      width=int(rng.uniform(5, 12) * SS))
        elif kind < 0.93:  # old tyre
            r = size * 0.7
            draw.ellipse((x - r, y - r * 0.8, x + r, y + r * 0.8), fill=(30, 30, 30))
            draw.ellipse((x - r * 0.5, y - r * 0.4, x + r * 0.5, y + r * 0.4),
                         fill=shade(piece, 0.5))
        else:  # drum
            dw, dh = size * 0.9, size * 1.4
            draw.rectangle((x - dw / 2, y - dh, x + dw / 2, y), fill=piece)
            draw.ellipse((x - dw / 2, y - dh - dw * 0.2, x + dw / 2, y - dh + dw * 0.2),
                         fill=shade(piece, 1.2))


def _scene_electronics(img: Image.Image, rng: random.Random, variant: str | None,
                       color: str | None) -> None:
    w, h = img.size
    table_y = int(h * rng.uniform(0.62, 0.7))
    wall = jitter(rng.choice([(222, 216, 204), (208, 216, 222), (230, 226, 214)]), rng)
    band(img, 0, table_y, shade(wall, 1.04), shade(wall, 0.9))
    draw = ImageDraw.Draw(img)
    # A window with daylight on the wall.
    wx = w * rng.uniform(0.05, 0.7)
    draw.rectangle((wx, h * 0.06, wx + w * 0.24, h * 0.36), fill=(214, 232, 244))
    draw.rectangle((wx, h * 0.06, wx + w * 0.24, h * 0.36), outline=(250, 250, 248), width=10 * SS)
    draw.line((wx + w * 0.12, h * 0.06, wx + w * 0.12, h * 0.36), fill=(250, 250, 248),
              width=8 * SS)
    wood = jitter(rng.choice([(150, 100, 62), (122, 84, 54), (176, 130, 86)]), rng)
    band(img, table_y, h, shade(wood, 1.1), shade(wood, 0.85))
    texture_strokes(draw, rng, (0, table_y, w, h), [shade(wood, 0.8), shade(wood, 1.15)], 700,
                     (60 * SS, 200 * SS), SS * 2, angle=(1.5, 1.64))
    draw.line((0, table_y, w, table_y), fill=shade(wood, 0.6), width=5 * SS)
    # TV on a stand.
    tv_w = w * rng.uniform(0.42, 0.5)
    tv_h = tv_w * 9 / 16
    tx = w * rng.uniform(0.06, 0.14)
    ty = table_y - tv_h - h * 0.07
    shadow(img, (tx, table_y - 12 * SS, tx + tv_w, table_y + 26 * SS), darkness=130,
            blur=12 * SS)
    draw = ImageDraw.Draw(img)
    draw.polygon([(tx + tv_w * 0.38, table_y), (tx + tv_w * 0.62, table_y),
                  (tx + tv_w * 0.55, ty + tv_h), (tx + tv_w * 0.45, ty + tv_h)], fill=(36, 36, 40))
    draw.rectangle((tx + tv_w * 0.3, table_y - 10 * SS, tx + tv_w * 0.7, table_y),
                   fill=(30, 30, 34))
    draw.rounded_rectangle((tx, ty, tx + tv_w, ty + tv_h), radius=8 * SS, fill=(16, 16, 18))
    screen = (tx + 14 * SS, ty + 14 * SS, tx + tv_w - 14 * SS, ty + tv_h - 14 * SS)
    sw, sh = int(screen[2] - screen[0]), int(screen[3] - screen[1])
    img.paste(vgradient((sw, sh), (44, 50, 62), (18, 20, 26)), (int(screen[0]), int(screen[1])))
    draw = ImageDraw.Draw(img)
    draw.polygon([(screen[0] + sw * 0.55, screen[1]), (screen[0] + sw * 0.75, screen[1]),
                  (screen[0] + sw * 0.35, screen[3]), (screen[0] + sw * 0.15, screen[3])],
                 fill=(54, 60, 72))  # reflection
    # An open laptop beside it.
    lw = w * rng.uniform(0.26, 0.32)
    lx = min(w - lw - w * 0.04, tx + tv_w + w * rng.uniform(0.05, 0.1))
    ly = table_y + h * rng.uniform(0.1, 0.16)
    body = jitter(rng.choice([(186, 188, 192), (60, 62, 66), (210, 212, 214)]), rng, 6)
    shadow(img, (lx - 10 * SS, ly - 16 * SS, lx + lw + 10 * SS, ly + 20 * SS), darkness=140,
            blur=10 * SS)
    draw = ImageDraw.Draw(img)
    sh_l = lw * 0.62
    draw.polygon([(lx + lw * 0.06, ly - h * 0.05), (lx + lw * 0.94, ly - h * 0.05),
                  (lx + lw * 0.9, ly - h * 0.05 - sh_l), (lx + lw * 0.1, ly - h * 0.05 - sh_l)],
                 fill=shade(body, 0.8))
    draw.polygon([(lx + lw * 0.11, ly - h * 0.06), (lx + lw * 0.89, ly - h * 0.06),
                  (lx + lw * 0.86, ly - h * 0.05 - sh_l * 0.93),
                  (lx + lw * 0.14, ly - h * 0.05 - sh_l * 0.93)], fill=(30, 60, 100))
    draw.polygon([(lx + lw * 0.5, ly - h * 0.06), (lx + lw * 0.7, ly - h * 0.06),
                  (lx + lw * 0.72, ly - h * 0.05 - sh_l * 0.93),
                  (lx + lw * 0.6, ly - h * 0.05 - sh_l * 0.93)], fill=(50, 84, 128))
    draw.polygon([(lx, ly), (lx + lw, ly), (lx + lw * 0.94, ly - h * 0.05),
                  (lx + lw * 0.06, ly - h * 0.05)], fill=body)
    for k in range(4):  # keyboard rows
        y = ly - h * 0.045 + k * h * 0.009
        draw.line((lx + lw * 0.14, y, lx + lw * 0.86, y), fill=shade(body, 0.55), width=3 * SS)


# A scene draws onto the supersampled canvas: (image, rng, variant, color).
SCENES: dict[str, Callable[[Image.Image, random.Random, str | None, str | None], None]] = {
    "car": _scene_car,
    "motorcycle": _scene_motorcycle,
    "land": _scene_land,
    "house": _scene_house,
    "scrap": _scene_scrap,
    "electronics": _scene_electronics,
}

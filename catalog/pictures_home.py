"""Drawings for Kitchen, Lighting, Home Textiles: one short function per noun.

catalog/picture_kit.py has the shapes and colours they share.
"""

from catalog.picture_kit import GLOW, STEEL, STEEL_LIGHT, WOOD, box, disc, rod, shape, table

# Kitchen


def kettle(d, main, dark, light):
    shape(d, [(330, 400), (210, 260), (190, 280), (300, 470)], dark)  # spout
    d.arc((350, 150, 610, 420), 180, 360, fill=dark, width=34)  # handle
    box(d, (300, 300, 660, 610), main, dark, 70)
    box(d, (380, 270, 580, 320), dark, radius=20)  # lid
    disc(d, (480, 260), 25, dark)
    box(d, (340, 340, 380, 560), light, radius=20)  # highlight


def chefs_knife(d, main, dark, light):
    shape(d, [(640, 330), (170, 390), (250, 430), (380, 450), (640, 450)], STEEL_LIGHT, STEEL)
    rod(d, [(200, 395), (640, 350)], STEEL, 8)  # the spine's bevel
    box(d, (625, 320, 665, 460), dark, radius=12)  # bolster
    box(d, (660, 340, 840, 435), main, dark, 40)  # handle
    for x in (700, 760, 810):
        disc(d, (x, 388), 11, light)  # rivets


def skillet(d, main, dark, light):
    box(d, (590, 360, 850, 420), main, dark, 30)  # handle
    disc(d, (810, 390), 14, "#eceff3")  # hanging hole
    disc(d, (420, 390), 210, main, dark)
    disc(d, (420, 390), 165, dark)  # the cooking surface
    d.arc((290, 260, 550, 520), 200, 250, fill=light, width=14)


def dutch_oven(d, main, dark, light):
    for x in (215, 685):
        box(d, (x, 390, x + 60, 440), dark, radius=20)  # side handles
    box(d, (260, 330, 700, 610), main, dark, 60)
    d.chord((250, 250, 710, 380), 180, 360, fill=dark)  # lid
    box(d, (245, 305, 715, 345), dark, radius=16)
    box(d, (440, 225, 520, 265), dark, radius=14)  # knob
    box(d, (300, 380, 340, 570), light, radius=20)


def cutting_board(d, main, dark, light):
    box(d, (660, 330, 820, 490), main, dark, 60)  # handle
    disc(d, (760, 410), 24, "#eceff3")
    box(d, (180, 250, 700, 570), main, dark, 40)
    for y in (320, 410, 500):
        d.line([(240, y), (640, y + 10)], fill=dark, width=5)  # grain
    box(d, (200, 270, 680, 290), light, radius=10)


def coffee_grinder(d, main, dark, light):
    box(d, (360, 330, 600, 610), main, dark, 24)
    box(d, (400, 500, 560, 560), dark, radius=10)  # drawer
    disc(d, (480, 530), 10, light)
    d.chord((370, 220, 590, 400), 180, 360, fill=STEEL, outline=dark, width=6)  # bowl
    rod(d, [(480, 230), (480, 180), (690, 150)], dark, 22)  # crank
    disc(d, (700, 150), 34, WOOD, dark)
    box(d, (385, 350, 410, 590), light, radius=12)


# Lighting


def floor_lamp(d, main, dark, light):
    shape(d, [(400, 270), (560, 270), (620, 420), (340, 420)], GLOW)
    box(d, (470, 240, 490, 620), dark)  # pole
    d.ellipse((370, 595, 590, 645), fill=dark)  # base
    shape(d, [(390, 100), (570, 100), (630, 270), (330, 270)], main, dark)  # shade
    box(d, (400, 120, 420, 250), light, radius=8)


def pendant_light(d, main, dark, light):
    d.line([(480, 0), (480, 250)], fill=dark, width=10)
    box(d, (445, 220, 515, 270), dark, radius=10)
    disc(d, (480, 530), 60, GLOW)  # the bulb's glow
    d.pieslice((270, 250, 690, 670), 180, 360, fill=main, outline=dark, width=6)
    d.line([(270, 460), (690, 460)], fill=dark, width=8)
    d.arc((320, 300, 640, 620), 200, 250, fill=light, width=16)


def table_lamp(d, main, dark, light):
    box(d, (470, 340, 490, 420), STEEL)
    d.ellipse((380, 390, 580, 620), fill=main, outline=dark, width=6)  # vase base
    box(d, (420, 590, 540, 625), dark, radius=10)
    d.arc((400, 420, 560, 600), 150, 210, fill=light, width=14)
    shape(d, [(370, 180), (590, 180), (650, 350), (310, 350)], "#f4f2ec", dark)  # shade
    shape(d, [(370, 180), (590, 180), (600, 210), (360, 210)], main)


def string_lights(d, main, dark, light):
    for top, left, right in ((110, 100, 860), (300, 160, 800)):
        d.arc((left, top - 180, right, top + 180), 20, 160, fill=dark, width=6)  # the wire
        for i in range(1, 6):
            x = left + (right - left) * i / 6
            # the catenary, near enough: y on the ellipse at x
            half, mid = (right - left) / 2, (right + left) / 2
            y = top + 180 * (1 - ((x - mid) / half) ** 2) ** 0.5
            disc(d, (x, y + 50), 40, GLOW)  # the glow around a coloured bulb
            disc(d, (x, y + 50), 26, main, dark, 4)
            disc(d, (x - 8, y + 42), 8, light)
            box(d, (x - 12, y, x + 12, y + 28), dark, radius=4)  # socket


def wall_sconce(d, main, dark, light):
    box(d, (150, 80, 250, 640), "#dfe3e8")  # the wall's edge
    shape(d, [(470, 120), (650, 120), (630, 40), (490, 40)], GLOW)  # light up the wall
    box(d, (250, 280, 310, 470), main, dark, 16)  # wall plate
    rod(d, [(310, 380), (560, 380), (560, 310)], dark, 18)  # arm
    shape(d, [(460, 120), (660, 120), (610, 310), (510, 310)], main, dark)  # shade
    box(d, (480, 140, 500, 290), light, radius=8)


# Home Textiles


def duvet_cover(d, main, dark, light):
    box(d, (200, 200, 760, 430), WOOD, "#8a603e", 30)  # headboard
    for x in (250, 500):
        box(d, (x, 300, x + 210, 390), "#f4f2ec", "#c9c4b8", 40)  # pillows
    box(d, (170, 380, 790, 580), main, dark, 30)  # the duvet
    box(d, (170, 380, 790, 440), light, dark, 30)  # turned down
    for x in (200, 740):
        box(d, (x, 570, x + 24, 630), "#8a603e")


def bath_towel(d, main, dark, light):
    shades = (dark, light, main)
    for i, (top, inset) in enumerate(((480, 0), (370, 30), (260, 60))):
        xy = (260 + inset, top, 700 - inset, top + 110)
        box(d, xy, shades[i], dark, 30)
        box(d, (xy[0] + 40, top + 70, xy[2] - 40, top + 82), light if i else main)


def throw_blanket(d, main, dark, light):
    box(d, (230, 250, 730, 560), main, dark, 20)
    for x in range(290, 730, 90):
        box(d, (x, 250, x + 26, 560), dark)  # the check
    for y in range(290, 560, 90):
        box(d, (230, y, 730, y + 26), dark)
    for x in range(240, 725, 22):
        d.line([(x, 560), (x, 610)], fill=dark, width=6)  # fringe
    box(d, (230, 250, 730, 310), light, dark, 20)  # the fold


def cushion(d, main, dark, light):
    outline = [(280, 180), (480, 220), (680, 180), (640, 380), (680, 580), (480, 540),
               (280, 580), (320, 380)]  # fmt: skip
    shape(d, outline, main, dark)
    d.line([*outline, outline[0]], fill=dark, width=10, joint="curve")  # piping
    disc(d, (480, 380), 22, dark)  # button
    for end in ((360, 260), (600, 260), (360, 500), (600, 500)):
        d.line([(480, 380), end], fill=light, width=6)  # the tufting's folds


def table_runner(d, main, dark, light):
    shape(d, [(260, 260), (700, 260), (800, 450), (160, 450)], WOOD, "#8a603e")  # table top
    box(d, (160, 450, 800, 480), "#8a603e")
    for x in (190, 740):
        box(d, (x, 470, x + 30, 630), "#8a603e")
    shape(d, [(420, 250), (540, 250), (570, 520), (390, 520)], main, dark)  # runner, hanging
    for x in range(396, 570, 16):
        d.line([(x, 520), (x, 550)], fill=dark, width=5)  # fringe
    d.line([(425, 300), (535, 300)], fill=light, width=8)


def rug(d, main, dark, light):
    corners = [(270, 270), (690, 270), (790, 570), (170, 570)]
    for (x0, y0), (x1, _) in ((corners[0], corners[1]), (corners[3], corners[2])):
        step = 1 if y0 < 300 else 0
        for i in range(13):
            x = x0 + (x1 - x0) * (i + 0.5) / 13
            d.line([(x, y0), (x, y0 + (-36 if step else 36))], fill=dark, width=6)  # fringe
    shape(d, corners, main, dark)
    shape(d, [(300, 295), (660, 295), (745, 545), (215, 545)], None, light)
    d.polygon([(300, 295), (660, 295), (745, 545), (215, 545)], outline=light, width=14)
    shape(d, [(480, 330), (600, 420), (480, 510), (360, 420)], dark)  # medallion
    shape(d, [(480, 380), (540, 420), (480, 460), (420, 420)], light)


DRAWINGS = table(
    *(kettle, chefs_knife, skillet, dutch_oven, cutting_board, coffee_grinder),
    *(floor_lamp, pendant_light, table_lamp, string_lights, wall_sconce),
    *(duvet_cover, bath_towel, throw_blanket, cushion, table_runner, rug),
)

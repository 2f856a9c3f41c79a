"""Drawings for Audio, Outdoor, Fitness, Travel: one short function per noun.

catalog/picture_kit.py has the shapes and colours they share.
"""

from catalog.picture_kit import GLOW, INK, STEEL, STEEL_LIGHT, box, disc, mirror, rod, shape, table

# Audio


def headphones(d, main, dark, light):
    d.arc((270, 150, 690, 570), 180, 360, fill=dark, width=44)
    for left in (240, 620):
        box(d, (left, 330, left + 100, 560), main, dark, 40)
        inner = left + 70 if left < 480 else left - 10
        box(d, (inner, 360, inner + 40, 530), dark, radius=18)
    box(d, (265, 360, 285, 500), light, radius=10)


def earbuds(d, main, dark, light):
    box(d, (330, 400, 630, 610), main, dark, 70)  # charging case
    d.line([(336, 470), (624, 470)], fill=dark, width=6)
    disc(d, (480, 530), 10, light)
    for x, tilt in ((370, -1), (590, 1)):
        rod(d, [(x, 250), (x + 40 * tilt, 370)], main, 40, dark)  # stem
        disc(d, (x, 230), 62, main, dark)
        disc(d, (x - 30 * tilt, 220), 30, dark)  # ear tip
        disc(d, (x + 20 * tilt, 250), 12, light)


def bookshelf_speaker(d, main, dark, light):
    box(d, (330, 150, 630, 620), main, dark, 24)
    disc(d, (480, 250), 48, dark)  # tweeter
    disc(d, (480, 250), 18, light)
    disc(d, (480, 450), 115, dark)  # woofer
    disc(d, (480, 450), 80, INK)
    disc(d, (480, 450), 30, light)


def turntable(d, main, dark, light):
    box(d, (190, 190, 770, 610), main, dark, 30)  # plinth
    disc(d, (420, 400), 190, INK)  # record
    for radius in (150, 110):
        d.ellipse((420 - radius, 400 - radius, 420 + radius, 400 + radius),
                  outline="#3d4148", width=4)  # fmt: skip
    disc(d, (420, 400), 56, light)  # label
    disc(d, (420, 400), 8, INK)
    disc(d, (690, 250), 34, STEEL, dark)  # tonearm pivot
    rod(d, [(690, 250), (680, 460), (560, 520)], STEEL_LIGHT, 14)
    box(d, (530, 500, 590, 545), dark, radius=8)  # headshell


def soundbar(d, main, dark, light):
    box(d, (250, 120, 710, 350), INK, radius=12)  # the TV above it
    box(d, (270, 140, 690, 330), "#3d4148")
    box(d, (140, 380, 820, 500), main, dark, 50)
    for x in range(210, 760, 30):
        for y in (415, 445, 475):
            disc(d, (x, y), 6, dark)  # grille
    disc(d, (790, 440), 8, light)  # status light
    for x in (220, 700):
        box(d, (x, 500, x + 40, 520), dark)


# Outdoor


def tent(d, main, dark, light):
    shape(d, [(200, 600), (480, 190), (760, 600)], main, dark)
    shape(d, [(480, 190), (760, 600), (640, 600)], dark)
    shape(d, [(390, 600), (480, 400), (570, 600)], light)
    d.line([(150, 605), (810, 605)], fill=dark, width=10)


def backpack(d, main, dark, light):
    d.arc((410, 120, 550, 240), 180, 360, fill=dark, width=18)  # top handle
    for x in (330, 610):
        box(d, (x, 240, x + 20, 560), dark, radius=10)  # straps behind
    box(d, (340, 170, 620, 620), main, dark, 90)
    d.chord((340, 170, 620, 400), 180, 360, fill=dark)  # lid
    box(d, (390, 420, 570, 590), dark, radius=30)  # front pocket
    box(d, (400, 430, 560, 470), light, radius=12)
    for x in (410, 530):
        box(d, (x, 270, x + 20, 330), light, radius=6)  # buckles


def sleeping_bag(d, main, dark, light):
    box(d, (350, 110, 610, 640), main, dark, 120)
    for y in range(280, 620, 70):
        d.line([(360, y), (600, y)], fill=dark, width=6)  # quilting
    d.ellipse((400, 150, 560, 290), fill=dark)  # hood
    d.ellipse((430, 180, 530, 270), fill=INK)
    d.line([(585, 290), (585, 600)], fill=light, width=10)  # zip


def rain_jacket(d, main, dark, light):
    sleeve = [(350, 200), (230, 470), (290, 500), (380, 330)]
    shape(d, sleeve, main, dark)
    shape(d, mirror(sleeve), main, dark)
    shape(d, [(350, 190), (610, 190), (630, 610), (330, 610)], main, dark)  # body
    d.chord((390, 110, 570, 290), 180, 360, fill=dark)  # hood
    d.chord((420, 150, 540, 280), 180, 360, fill=INK)
    rod(d, [(480, 200), (480, 600)], dark, 10)  # zip
    for x in (370, 520):
        box(d, (x, 430, x + 70, 450), dark, radius=6)  # pockets
    box(d, (370, 220, 392, 560), light, radius=10)


def headlamp(d, main, dark, light):
    shape(d, [(440, 500), (520, 500), (700, 700), (260, 700)], GLOW)  # beam
    d.ellipse((200, 220, 760, 500), outline=dark, width=44)  # head strap
    d.ellipse((206, 226, 754, 494), outline=main, width=32)
    box(d, (380, 380, 580, 520), main, dark, 30)  # housing
    disc(d, (480, 450), 46, dark)
    disc(d, (480, 450), 34, GLOW)
    box(d, (540, 395, 565, 420), light, radius=6)  # switch


def camp_stove(d, main, dark, light):
    box(d, (370, 400, 590, 620), main, dark, 50)  # gas canister
    box(d, (400, 430, 430, 590), light, radius=14)
    box(d, (440, 350, 520, 410), STEEL, dark, 10)  # valve
    rod(d, [(520, 380), (620, 390)], dark, 12)  # control
    for points in ([(480, 340), (320, 300)], [(480, 340), (640, 300)], [(480, 340), (480, 280)]):
        rod(d, points, STEEL, 14)  # pot supports
    shape(d, [(430, 300), (480, 170), (530, 300)], "#e07a1f")  # flame
    shape(d, [(455, 300), (480, 230), (505, 300)], "#4a7fd0")


# Fitness


def yoga_mat(d, main, dark, light):
    shape(d, [(330, 520), (760, 520), (840, 630), (250, 630)], main, dark)  # unrolled end
    box(d, (280, 330, 640, 530), main, dark, 20)  # the roll
    d.ellipse((580, 330, 700, 530), fill=light, outline=dark, width=6)  # its end
    for radius in (70, 45, 20):
        d.ellipse((640 - radius * 0.6, 430 - radius, 640 + radius * 0.6, 430 + radius),
                  outline=dark, width=5)  # fmt: skip
    box(d, (380, 325, 410, 535), dark, radius=6)  # strap


def kettlebell(d, main, dark, light):
    d.rounded_rectangle((360, 150, 600, 380), 90, outline=dark, width=48)  # handle
    disc(d, (480, 450), 170, main, dark)
    box(d, (360, 580, 600, 630), dark, radius=10)  # flat bottom
    box(d, (420, 420, 540, 480), light, radius=12)  # weight plate
    d.arc((340, 310, 620, 590), 200, 240, fill=light, width=16)


def jump_rope(d, main, dark, light):
    d.arc((250, 90, 710, 700), 180, 360, fill=dark, width=12)  # rope over the top
    for x, tilt in ((250, -1), (710, 1)):
        rod(d, [(x, 400), (x + 30 * tilt, 600)], main, 50, dark)  # handles
        rod(d, [(x + 6 * tilt, 440), (x + 24 * tilt, 560)], light, 12)


def resistance_band(d, main, dark, light):
    for box_xy, shade in (((220, 300, 560, 540), dark), ((330, 220, 670, 460), main),
                          ((400, 340, 740, 580), light)):  # fmt: skip
        d.ellipse(box_xy, outline=shade, width=48)
        d.ellipse(box_xy, outline=dark, width=4)


def foam_roller(d, main, dark, light):
    box(d, (220, 330, 700, 550), main, dark, 10)
    for x in range(260, 660, 60):
        for y in (360, 420, 480):
            box(d, (x + (y % 120) // 2, y, x + (y % 120) // 2 + 30, y + 34), dark, radius=8)
    d.ellipse((640, 330, 760, 550), fill=light, outline=dark, width=6)  # the open end
    d.ellipse((680, 400, 720, 480), fill=dark)


def dumbbell(d, main, dark, light):
    box(d, (240, 345, 720, 385), STEEL, radius=16)
    for x in (290, 600):
        box(d, (x, 240, x + 70, 490), main, dark, 18)
        side = x - 35 if x < 480 else x + 70
        box(d, (side, 285, side + 35, 445), dark, radius=12)
    box(d, (305, 260, 320, 470), light, radius=7)


# Travel


def carry_on(d, main, dark, light):
    for x in (400, 540):
        box(d, (x, 80, x + 20, 240), STEEL)  # telescopic handle
    box(d, (390, 70, 570, 100), dark, radius=14)
    box(d, (300, 230, 660, 610), main, dark, 40)
    for x in (390, 480, 570):
        d.line([(x, 260), (x, 580)], fill=dark, width=10)
    for x in (340, 620):
        disc(d, (x, 625), 25, dark)
    box(d, (320, 260, 345, 450), light, radius=12)


def duffel_bag(d, main, dark, light):
    d.arc((360, 190, 600, 440), 180, 360, fill=dark, width=22)  # handles
    box(d, (190, 300, 770, 590), main, dark, 140)
    d.line([(300, 320), (660, 320)], fill=dark, width=10)  # zip
    box(d, (650, 305, 690, 340), STEEL, radius=8)
    for x in (380, 560):
        box(d, (x, 310, x + 24, 590), dark, radius=8)  # straps
    d.ellipse((200, 320, 300, 570), fill=light, outline=dark, width=6)  # end panel


def packing_cubes(d, main, dark, light):
    for x0, y0, w, h, shade in ((200, 420, 300, 180, main), (520, 440, 240, 160, dark),
                                (260, 250, 260, 170, light)):  # fmt: skip
        shape(d, [(x0, y0), (x0 + 50, y0 - 40), (x0 + w + 50, y0 - 40), (x0 + w, y0)], dark)
        box(d, (x0, y0, x0 + w, y0 + h), shade, dark, 14)
        box(d, (x0 + 30, y0 + 30, x0 + w - 30, y0 + h - 30), "#f4f2ec")  # mesh window
        for x in range(x0 + 45, x0 + w - 30, 25):
            d.line([(x, y0 + 30), (x, y0 + h - 30)], fill=STEEL_LIGHT, width=3)
        box(d, (x0 + w - 40, y0 + 6, x0 + w - 20, y0 + 20), STEEL, radius=4)  # zip pull


def travel_pillow(d, main, dark, light):
    # A U open at the top: an arc with round ends, its outline drawn first, all around.
    for fill, grow in ((dark, 6), (main, 0)):
        d.arc((240 - grow, 130 - grow, 720 + grow, 610 + grow), -50, 230, fill=fill,
              width=140 + 2 * grow)  # fmt: skip
        for end in ((371, 240), (589, 240)):  # the arc's middle line ends at -50 and 230 degrees
            disc(d, end, 70 + grow, fill)
    d.arc((300, 190, 660, 550), 60, 120, fill=light, width=18)
    box(d, (455, 570, 505, 620), dark, radius=10)  # snap strap


def passport_wallet(d, main, dark, light):
    box(d, (420, 110, 590, 300), "#f4f2ec", STEEL, 8)  # boarding pass inside
    box(d, (440, 150, 570, 166), STEEL_LIGHT)
    box(d, (330, 170, 630, 610), main, dark, 24)
    d.ellipse((410, 290, 550, 430), outline=light, width=8)  # globe emblem
    d.ellipse((450, 290, 510, 430), outline=light, width=6)
    d.line([(410, 360), (550, 360)], fill=light, width=6)
    box(d, (400, 480, 560, 500), light, radius=8)
    box(d, (330, 175, 360, 605), dark)  # the fold


def toiletry_bag(d, main, dark, light):
    d.arc((430, 110, 530, 210), 160, 380, fill=STEEL, width=14)  # hanging hook
    box(d, (470, 200, 490, 280), STEEL)
    shape(d, [(290, 280), (670, 280), (720, 600), (240, 600)], main, dark)
    box(d, (280, 270, 680, 310), dark, radius=16)  # zip
    box(d, (620, 300, 650, 360), STEEL, radius=8)  # pull
    box(d, (300, 340, 330, 570), light, radius=12)


DRAWINGS = table(
    *(headphones, earbuds, bookshelf_speaker, turntable, soundbar),
    *(tent, backpack, sleeping_bag, rain_jacket, headlamp, camp_stove),
    *(yoga_mat, kettlebell, jump_rope, resistance_band, foam_roller, dumbbell),
    *(carry_on, duffel_bag, packing_cubes, travel_pillow, passport_wallet, toiletry_bag),
)

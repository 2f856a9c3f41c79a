"""Drawings for Office, Tools, Garden: one short function per noun.

catalog/picture_kit.py has the shapes and colours they share.
"""

from catalog.picture_kit import (
    GLOW,
    INK,
    LEAF,
    LEAF_DARK,
    SCREEN,
    STEEL,
    STEEL_LIGHT,
    WOOD,
    box,
    disc,
    rod,
    shape,
    table,
)

# Office


def desk_lamp(d, main, dark, light):
    shape(d, [(610, 380), (720, 380), (760, 540), (570, 540)], GLOW)  # the light
    d.ellipse((280, 570, 520, 640), fill=main, outline=dark, width=6)  # base
    rod(d, [(400, 600), (330, 390), (560, 230)], dark, 22)  # arm
    disc(d, (330, 390), 22, main, dark)
    shape(d, [(530, 200), (620, 170), (760, 380), (570, 380)], main, dark)  # shade
    disc(d, (575, 205), 26, dark)


def notebook(d, main, dark, light):
    box(d, (330, 150, 640, 610), main, dark, 24)
    box(d, (330, 160, 375, 600), dark)  # spine
    box(d, (575, 150, 592, 610), dark)  # elastic band
    box(d, (410, 240, 545, 310), light, radius=10)  # label


def monitor_stand(d, main, dark, light):
    box(d, (280, 110, 680, 350), INK, radius=16)  # the monitor on it
    box(d, (300, 130, 660, 320), SCREEN)
    box(d, (460, 350, 500, 400), INK)
    box(d, (190, 400, 770, 450), main, dark, 12)  # the stand's top
    for x in (220, 690):
        box(d, (x, 440, x + 50, 620), main, dark, 8)
    box(d, (210, 410, 750, 422), light, radius=6)


def desk_chair(d, main, dark, light):
    box(d, (465, 430, 495, 560), STEEL)  # gas lift
    for end in ((290, 600), (380, 625), (580, 625), (670, 600)):
        rod(d, [(480, 560), end], dark, 20)  # star base
        disc(d, (end[0], end[1] + 8), 20, INK)
    box(d, (455, 320, 505, 400), dark)
    box(d, (350, 110, 610, 350), main, dark, 60)  # back
    box(d, (320, 370, 640, 440), main, dark, 30)  # seat
    for x in (300, 640):
        box(d, (x, 300, x + 20, 400), dark, radius=10)  # armrests
    box(d, (380, 140, 400, 320), light, radius=10)


def pen_set(d, main, dark, light):
    box(d, (190, 300, 770, 600), WOOD, "#8a603e", 24)  # the open case
    box(d, (220, 330, 740, 570), "#6b4a33", radius=16)  # its lining
    for y, shade in ((380, main), (450, dark), (520, main)):
        shape(d, [(600, y - 18), (600, y + 18), (700, y)], STEEL_LIGHT, STEEL)  # nib
        rod(d, [(260, y), (600, y)], shade, 40, INK)  # barrel
        box(d, (470, y - 20, 486, y + 20), STEEL_LIGHT)  # cap ring
        box(d, (290, y - 26, 440, y - 16), STEEL_LIGHT, radius=5)  # clip
        box(d, (280, y - 10, 450, y - 2), light, radius=4)


def desk_organizer(d, main, dark, light):
    for x, top, colour in ((300, 210, "#e8b923"), (350, 250, STEEL), (420, 190, "#c23b32")):
        box(d, (x, top, x + 34, 420), colour, "#555", 6)  # pencils and pens
        shape(d, [(x, top), (x + 34, top), (x + 17, top - 40)], "#f0d9b5")
    box(d, (520, 280, 660, 420), "#f4f2ec", dark, 6)  # notes
    box(d, (240, 380, 720, 610), main, dark, 24)
    for x in (400, 560):
        d.line([(x, 390), (x, 600)], fill=dark, width=8)
    box(d, (260, 400, 720, 420), light, radius=8)


# Tools


def cordless_drill(d, main, dark, light):
    rod(d, [(690, 285), (820, 285)], STEEL, 14)  # bit
    box(d, (620, 250, 700, 320), STEEL, dark, 14)  # chuck
    shape(d, [(390, 320), (510, 320), (490, 520), (380, 520)], main, dark)  # grip
    box(d, (280, 220, 640, 350), main, dark, 50)  # body
    box(d, (500, 350, 530, 400), dark, radius=8)  # trigger
    box(d, (320, 510, 560, 600), dark, radius=20)  # battery
    box(d, (320, 245, 560, 265), light, radius=10)


def screwdriver_set(d, main, dark, light):
    box(d, (250, 560, 710, 620), dark, radius=16)  # stand
    for x, top in ((290, 200), (410, 160), (530, 240), (640, 280)):
        box(d, (x + 22, top + 170, x + 38, 570), STEEL)  # shaft
        box(d, (x, top, x + 60, top + 180), main, dark, 26)  # handle
        for y in range(top + 30, top + 160, 40):
            box(d, (x + 12, y, x + 48, y + 14), dark, radius=6)  # grip grooves


def hammer(d, main, dark, light):
    box(d, (446, 280, 514, 650), main, dark, 24)  # fibreglass handle
    box(d, (442, 500, 518, 650), dark, radius=24)  # grip
    box(d, (462, 300, 478, 490), light, radius=8)
    shape(d, [(300, 220), (560, 200), (560, 310), (300, 290)], STEEL, dark)
    shape(d, [(560, 200), (690, 160), (650, 250), (560, 310)], STEEL, dark)


def tape_measure(d, main, dark, light):
    box(d, (520, 490, 830, 540), "#e8d36a", "#9c8a2c", 4)  # the tape
    for x in range(550, 820, 30):
        d.line([(x, 495), (x, 515 if x % 60 else 530)], fill=INK, width=4)
    box(d, (815, 470, 840, 560), dark, radius=4)  # hook
    box(d, (260, 240, 580, 560), main, dark, 80)  # case
    disc(d, (410, 390), 70, dark)
    disc(d, (410, 390), 30, light)
    box(d, (530, 300, 580, 380), dark, radius=12)  # lock button


def utility_knife(d, main, dark, light):
    shape(d, [(150, 420), (260, 370), (270, 440)], STEEL_LIGHT, STEEL)  # blade
    shape(d, [(250, 370), (740, 320), (770, 420), (260, 450)], main, dark)  # body
    box(d, (430, 320, 510, 350), dark, radius=12)  # slider
    for x in (560, 610, 660):
        d.line([(x, 350), (x + 10, 410)], fill=dark, width=8)  # grip ribs
    d.line([(280, 395), (720, 350)], fill=light, width=10)


def spirit_level(d, main, dark, light):
    box(d, (130, 310, 830, 430), main, dark, 12)
    box(d, (410, 335, 550, 405), "#cfe8a0", dark, 30)  # vial
    disc(d, (485, 370), 20, "#f4fbe4")  # bubble
    for x in (455, 505):
        d.line([(x, 340), (x, 400)], fill=INK, width=5)
    box(d, (180, 345, 260, 395), dark, radius=20)  # hand holds
    box(d, (700, 345, 780, 395), dark, radius=20)
    box(d, (140, 320, 820, 332), light, radius=6)


# Garden


def planter(d, main, dark, light):
    d.line([(480, 420), (480, 230)], fill=LEAF, width=12)
    for tip, base in (((330, 250), (480, 360)), ((630, 220), (480, 330)), ((480, 140), (480, 260))):
        mid = ((tip[0] + base[0]) / 2, (tip[1] + base[1]) / 2)
        spread = (base[1] - tip[1]) / 4, (tip[0] - base[0]) / 4
        left = (mid[0] - spread[0], mid[1] - spread[1])
        right = (mid[0] + spread[0], mid[1] + spread[1])
        shape(d, [base, left, tip, right], LEAF, LEAF_DARK)
    shape(d, [(370, 440), (590, 440), (560, 630), (400, 630)], main, dark)
    box(d, (345, 405, 615, 455), dark, radius=14)
    box(d, (395, 470, 415, 600), light, radius=10)


def pruning_shears(d, main, dark, light):
    shape(d, [(470, 330), (360, 130), (420, 150), (505, 320)], STEEL_LIGHT, STEEL)  # blades
    shape(d, [(490, 330), (560, 150), (600, 180), (520, 340)], STEEL, dark)
    rod(d, [(480, 350), (420, 470), (330, 620)], main, 54, dark)  # handles
    rod(d, [(480, 350), (560, 470), (640, 620)], main, 54, dark)
    rod(d, [(430, 470), (540, 470)], STEEL, 10)  # spring
    disc(d, (480, 345), 28, dark)
    rod(d, [(415, 480), (345, 600)], light, 12)


def watering_can(d, main, dark, light):
    rod(d, [(600, 520), (780, 260)], main, 34, dark)  # spout
    shape(d, [(760, 230), (830, 270), (800, 310), (740, 260)], dark)  # rose
    d.arc((250, 200, 560, 520), 90, 270, fill=dark, width=30)  # handle at the back
    box(d, (340, 310, 640, 610), main, dark, 40)
    d.arc((350, 200, 560, 380), 180, 360, fill=dark, width=26)  # top handle
    box(d, (370, 340, 400, 580), light, radius=14)


def seed_kit(d, main, dark, light):
    box(d, (560, 200, 720, 430), "#f4f2ec", dark, 10)  # seed packet
    disc(d, (640, 300), 44, main)
    box(d, (590, 370, 690, 384), dark, radius=6)
    for x in (290, 410, 530):
        rod(d, [(x, 470), (x, 380)], LEAF, 10)  # seedlings
        shape(d, [(x, 400), (x - 60, 360), (x - 10, 350)], LEAF, LEAF_DARK)
        shape(d, [(x, 390), (x + 60, 340), (x + 14, 336)], LEAF, LEAF_DARK)
    box(d, (200, 450, 760, 600), main, dark, 16)  # tray
    for x in (350, 470, 590):
        d.line([(x, 460), (x, 590)], fill=dark, width=8)
    box(d, (200, 450, 760, 480), "#6b4a33", radius=8)  # soil


def garden_hose(d, main, dark, light):
    for inset in (0, 50, 100):
        d.ellipse((200 + inset, 230 + inset * 0.8, 640 - inset, 600 - inset * 0.8),
                  outline=dark, width=46)  # fmt: skip
        d.ellipse((204 + inset, 234 + inset * 0.8, 636 - inset, 596 - inset * 0.8),
                  outline=main, width=36)  # fmt: skip
    rod(d, [(600, 500), (700, 520), (760, 470)], main, 36, dark)
    rod(d, [(760, 470), (830, 400)], STEEL, 40)  # nozzle
    box(d, (300, 350, 320, 470), light, radius=10)


def trowel(d, main, dark, light):
    box(d, (435, 70, 525, 290), main, dark, 44)  # handle
    disc(d, (480, 125), 14, "#eceff3")  # hanging hole
    box(d, (470, 280, 490, 350), STEEL)  # shank
    shape(d, [(390, 340), (570, 340), (580, 450), (480, 640), (380, 450)], STEEL_LIGHT, STEEL)
    d.line([(480, 360), (480, 600)], fill=STEEL, width=8)
    box(d, (455, 130, 470, 270), light, radius=7)


DRAWINGS = table(
    *(desk_lamp, notebook, monitor_stand, desk_chair, pen_set, desk_organizer),
    *(cordless_drill, screwdriver_set, hammer, tape_measure, utility_knife, spirit_level),
    *(planter, pruning_shears, watering_can, seed_kit, garden_hose, trowel),
)

"""`{% product_cards products level=3 %}`: a grid's product cards (catalog/cards.py)."""

from django import template

from catalog import cards

register = template.Library()


@register.simple_tag
def product_cards(products, level: int = 2):
    return cards.render(products, level)

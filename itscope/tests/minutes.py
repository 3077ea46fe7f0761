"""Records read from a CSV export, whose dates carry minutes only, compared with records read from elsewhere."""

import dataclasses


def comparable(product):
    """``product`` with its offers' times cut to the minute, as a CSV export writes them."""
    offers = tuple(
        dataclasses.replace(
            offer,
            price_updated=offer.price_updated and offer.price_updated.replace(second=0),
            stock_updated=offer.stock_updated and offer.stock_updated.replace(second=0),
        )
        for offer in product.offers
    )
    return dataclasses.replace(product, offers=offers)

"""A simulator of the Xero Accounting API, Xero identity and an ECB rates feed.

It depends only on its own modules and the standard web stack, never on the
client side of xerodesk, so that the two implementations check each other.
"""

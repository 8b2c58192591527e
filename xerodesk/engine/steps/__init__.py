"""One pull step per Xero entity: how to read it and how to write a page of it."""

"""xerodesk: keeps a CRM database and a Xero organisation in lockstep."""

__version__ = "0.1.0"

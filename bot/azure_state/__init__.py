"""STATE_STORE=azure: the bot's working state on Azure Storage, shared by every instance.

Tables hold records and make claims with conditional updates (ETags); a queue carries the
SharePoint outbox with visibility timeouts. Scheduled work runs once through claims and
leases made the same way (no blob leases are needed). Each piece of working
state is a port (bot/ports.py, and each journey's ports.py) with a SQLite implementation
for one instance and an Azure one for many, and one contract suite runs against both.
"""

"""SQLite, table by table: the local store (`sqlite.py`), SharePoint mode's journal
(`journal.py`) and working state (`working.py`), all over `database.py`.

The SharePoint store lives in graph_clients/ and knows these only through the ports.
"""

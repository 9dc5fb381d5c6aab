"""Local store (SQLite). The SharePoint store lives in graph_clients/."""

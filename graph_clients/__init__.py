"""Microsoft Graph and SharePoint lists: the m365 store. Only this package imports msgraph.

The SharePoint store arrives with the next capability; the ports it must satisfy are
in bot/ports.py and the shared contract tests will run against both stores.
"""

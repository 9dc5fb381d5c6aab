"""The REST API under /api/v1/ for the Power Platform (see bot.api.operations)."""

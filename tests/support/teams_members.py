"""A stand-in Teams connector that also says who a conversation member is, for tests of
@mentions that carry only a Teams id (the bot looks the person up through Teams)."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from tests.support.teams import Connector


@dataclass
class TeamsWithMembers(Connector):
    """The stand-in connector, also answering who a conversation member is, as Teams does."""

    members: dict[str, dict[str, str]] = field(default_factory=dict)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/v3/conversations/{cid}/activities", self._post)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._post)
        app.router.add_get("/v3/conversations/{cid}/members/{mid}", self._member)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/"

    async def _member(self, request: web.Request) -> web.Response:
        member = self.members.get(request.match_info["mid"])
        if member is None:
            return web.json_response({"error": {"code": "MemberNotFound"}}, status=404)
        return web.json_response(member)

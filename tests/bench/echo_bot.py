"""A minimal echo bot on the same Microsoft 365 Agents SDK, as the benchmark's baseline.

`python -m tests.bench.echo_bot --port N` serves POST /api/messages on 127.0.0.1 and
replies "You said: <text>" to every message. It is wired like `bot/agent.py` and
`bot/app.py` (CloudAdapter, AgentApplication with MemoryStorage, MsalConnectionManager
with an anonymous SERVICE_CONNECTION, the SDK's JWT decorator) but does nothing else,
so the benchmark can show what the SDK and aiohttp cost on their own.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings

from aiohttp import web
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import (
    CloudAdapter,
    jwt_authorization_decorator,
    start_agent_process,
)
from microsoft_agents.hosting.core import (
    AgentApplication,
    AgentAuthConfiguration,
    AuthTypes,
    MemoryStorage,
    TurnContext,
    TurnState,
)
from microsoft_agents.hosting.core.security import OutboundHostValidator

HOST = "127.0.0.1"
AGENT = web.AppKey("agent", AgentApplication)
ADAPTER = web.AppKey("adapter", CloudAdapter)


def build_connections() -> MsalConnectionManager:
    # No client id: anonymous, token-less, loopback only (as our bot in local mode).
    config = AgentAuthConfiguration(
        auth_type=AuthTypes.client_secret,
        client_id=None,
        tenant_id=None,
        client_secret=None,
        anonymous_allowed=True,
        validate_issuer=False,
    )
    return MsalConnectionManager(connections_configurations={"SERVICE_CONNECTION": config})


def build_agent(
    connections: MsalConnectionManager,
) -> tuple[AgentApplication[TurnState], CloudAdapter]:
    adapter = CloudAdapter(
        connection_manager=connections, host_validator=OutboundHostValidator(enabled=False)
    )
    agent: AgentApplication[TurnState] = AgentApplication[TurnState](
        storage=MemoryStorage(), adapter=None, connection_manager=connections
    )

    async def echo(context: TurnContext, state: TurnState) -> None:
        await context.send_activity(f"You said: {context.activity.text or ''}")

    agent.message()(echo)
    return agent, adapter


async def messages(request: web.Request) -> web.StreamResponse:
    response = await start_agent_process(request, request.app[AGENT], request.app[ADAPTER])
    return response if response is not None else web.Response(status=202)


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "bot": "echo"})


def create_app() -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    connections = build_connections()
    agent, adapter = build_agent(connections)
    app[AGENT] = agent
    app[ADAPTER] = adapter
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", web.NotAppKeyWarning)
        app["agent_configuration"] = connections.get_default_connection_configuration()
    app.router.add_post("/api/messages", jwt_authorization_decorator(messages))
    app.router.add_get("/healthz", healthz)
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Minimal Agents SDK echo bot (benchmark baseline)")
    parser.add_argument("--port", type=int, default=3979, help="port on 127.0.0.1 (default 3979)")
    args = parser.parse_args(argv)
    # Same logging set-up as `python -m bot` (LOG_LEVEL, default INFO), so both bots pay
    # the same per-request logging cost (aiohttp's access log) in the benchmark.
    level = os.environ.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("echo_bot").info("Echo bot on http://%s:%s/api/messages", HOST, args.port)
    try:
        web.run_app(create_app(), host=HOST, port=args.port, print=None)
    except OSError as error:
        print(f"Echo bot cannot listen on {HOST}:{args.port}: {error.strerror}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

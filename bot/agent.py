"""Builds the Microsoft 365 Agents SDK application and its adapter from settings."""

from __future__ import annotations

from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import (
    AgentApplication,
    AgentAuthConfiguration,
    AuthTypes,
    MemoryStorage,
    TurnState,
)
from microsoft_agents.hosting.core.authorization import Connections
from microsoft_agents.hosting.core.security import OutboundHostValidator

from bot.settings import Settings


def build_connections(settings: Settings) -> MsalConnectionManager:
    config = AgentAuthConfiguration(
        auth_type=AuthTypes.client_secret,
        client_id=settings.client_id or None,
        tenant_id=settings.tenant_id or None,
        client_secret=settings.client_secret or None,
        anonymous_allowed=settings.anonymous,
        validate_issuer=not settings.anonymous,
    )
    return MsalConnectionManager(connections_configurations={"SERVICE_CONNECTION": config})


def build_agent(
    settings: Settings, connections: Connections
) -> tuple[AgentApplication[TurnState], CloudAdapter]:
    # With real tokens, replies go only to Teams' channel service hosts (never the SDK's
    # wider default list, which has hosts anyone can create); the door and the notifier
    # check the same list. Locally they go to the Agents Playground on loopback.
    validator = OutboundHostValidator(
        hosts=sorted(settings.service_hosts),
        enabled=not settings.anonymous,
        include_default_microsoft_hosts=False,
    )
    adapter = CloudAdapter(connection_manager=connections, host_validator=validator)
    # Turn state is not used for anything that must survive: drafts live in the store.
    app: AgentApplication[TurnState] = AgentApplication[TurnState](
        storage=MemoryStorage(), adapter=None, connection_manager=connections
    )
    return app, adapter

"""Builds the Microsoft 365 Agents SDK application and its adapter from settings."""

from __future__ import annotations

from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import (
    AgentApplication,
    AgentAuthConfiguration,
    AuthTypes,
    MemoryStorage,
    TurnContext,
    TurnState,
)
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
    settings: Settings, connections: MsalConnectionManager
) -> tuple[AgentApplication[TurnState], CloudAdapter]:
    # Outbound replies go only to Microsoft's own hosts once real tokens are in use;
    # locally they go to the Agents Playground or a test connector on loopback.
    validator = OutboundHostValidator(enabled=not settings.anonymous)
    adapter = CloudAdapter(connection_manager=connections, host_validator=validator)
    # Turn state is not used for anything that must survive: drafts live in the store.
    app: AgentApplication[TurnState] = AgentApplication[TurnState](
        storage=MemoryStorage(), adapter=None, connection_manager=connections
    )
    if settings.allowed_tenants and not settings.anonymous:
        app.before_turn(_tenant_gate(settings.allowed_tenants))
    return app, adapter


def _tenant_gate(allowed: frozenset[str]):  # type: ignore[no-untyped-def]
    async def gate(context: TurnContext, state: TurnState) -> bool:
        tenant = ""
        if context.activity.conversation is not None:
            tenant = getattr(context.activity.conversation, "tenant_id", "") or ""
        return tenant in allowed

    return gate

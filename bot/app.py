"""The aiohttp application: Activity endpoint, health checks, and resources."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, cast

import pydantic
from aiohttp import web
from microsoft_agents.hosting.aiohttp import CloudAdapter, start_agent_process
from microsoft_agents.hosting.core import AgentApplication, TurnContext
from microsoft_agents.hosting.core.authorization import Connections

from bot import journeys
from bot.agent import build_agent, build_connections
from bot.api.auth import ApiKeyAuth, EntraAuth
from bot.api.idempotency import SqliteIdempotency
from bot.api.openapi import document
from bot.api.ratelimit import TokenBuckets
from bot.api.server import ApiAuth, ApiServer, mount
from bot.azure_state.idempotency import AzureIdempotency
from bot.backends import OpenStore, open_roster, open_store
from bot.channel_posts import ChannelPoster
from bot.clock import Clock, SystemClock
from bot.delivery import reply_within_limits
from bot.domain.deadlines import StageTargets
from bot.domain.working_time import WorkingTime
from bot.door import Door, guarded, refusal
from bot.journey import CONFIG_PROBLEM, REQUEST_NOT_APPLIED, REQUEST_SAVED, JourneyContext
from bot.notifier import AppInstaller, TeamsNotifier
from bot.ports import Store
from bot.privacy import all_of, local_pseudonym_key, shared_pseudonym_key, use_pseudonym_key
from bot.readiness import readiness
from bot.registry import register_journeys
from bot.reply_hosts import reply_hosts_for
from bot.settings import Settings
from bot.store.observed import ObservedStore
from bot.telemetry.turns import traced_turns
from bot.tokens import TokenPolicy, TokenValidator

logger = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

SETTINGS = web.AppKey("settings", Settings)
STORE = web.AppKey("store", OpenStore)
GRAPH = web.AppKey("graph", object)  # a prebuilt GraphConnection, for tests
AGENT = web.AppKey("agent", AgentApplication)
ADAPTER = web.AppKey("adapter", CloudAdapter)
CONTEXT = web.AppKey("journey_context", JourneyContext)
CLOCK = web.AppKey("clock", Clock)
# The running journeys' web routes: (method, path) -> handler.
ROUTES = web.AppKey("journey_routes", dict)
API = web.AppKey("api", ApiServer)


async def messages(request: web.Request) -> web.StreamResponse:
    """An Activity the door has let in, handed to the Agents SDK."""
    try:
        response = await start_agent_process(request, request.app[AGENT], request.app[ADAPTER])
    except pydantic.ValidationError:
        logger.warning("Refused an Activity that does not follow the Activity schema")
        return refusal(400, "The Activity does not follow the Activity schema.")
    return response if response is not None else web.Response(status=202)


async def messages_probe(request: web.Request) -> web.Response:
    """The Agents Playground checks the endpoint with HEAD or GET before connecting."""
    return web.Response(status=200)


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "mode": request.app[SETTINGS].mode})


async def readyz(request: web.Request) -> web.Response:
    """Each dependency's state (bot/readiness.py): 503 only when the store does not answer."""
    status, body = await readiness(request.app[STORE], request.app[CLOCK].now())
    return web.json_response(body, status=status)


def _installer(settings: Settings, opened: OpenStore) -> AppInstaller | None:
    """With TEAMS_APP_ID (and Graph, so BOT_STORE=sharepoint): the bot installs itself for
    a person through Graph before starting a chat with them (deploy/teams-install.md)."""
    if not settings.teams_app_id or opened.graph is None:
        return None
    from graph_clients.installer import AppInstaller as GraphInstaller

    graph = opened.graph
    return GraphInstaller(graph.client, settings.teams_app_id, graph.base_url, graph.policy)


def _journey_context(app: web.Application, opened: OpenStore) -> JourneyContext:
    settings, store = app[SETTINGS], opened.store
    reply_hosts = reply_hosts_for(settings)
    poster = ChannelPoster(app[ADAPTER], settings.client_id, reply_hosts)
    notifier = TeamsNotifier(poster, store, store, _installer(settings, opened), settings.tenant_id)
    return JourneyContext(
        store=store,
        clock=app[CLOCK],
        notifier=notifier,
        admin_ids=settings.admin_ids,
        triage_roster=settings.triage_roster,
        triage_names=dict(settings.triage_names),
        roster=open_roster(settings, opened),
        service_desk=settings.service_desk_contact,
        data_dir=settings.data_dir,
        journey_settings=settings.journeys,
        reply_hosts=reply_hosts,
        graph=opened.graph,
        azure=opened.azure,
        calendar=_calendar(settings),
        targets=StageTargets(
            triage_days=settings.deadline_triage_days,
            question_days=settings.deadline_question_days,
            board_days_without_meetings=settings.deadline_board_days,
        ),
    )


def _calendar(settings: Settings) -> WorkingTime:
    """The council's working calendar, from the communities journey's COMMUNITY_WORKING_*
    settings, so champions' nudges and every stage's deadline count the same days."""
    hours = settings.journeys.get("communities")  # a CommunityConfig: it has the hours
    return WorkingTime() if hours is None else WorkingTime.from_config(hours)


def _publisher_now(ctx: JourneyContext, kind: str) -> Callable[[Any], None]:
    def publish(payload: Any) -> None:
        ctx.events.publish(kind, payload)

    return publish


def _publisher(ctx: JourneyContext, kind: str) -> Callable[[Any], Awaitable[None]]:
    async def publish(payload: Any) -> None:
        ctx.events.publish(kind, payload)

    return publish


def _store_news_to_journeys(opened: OpenStore, ctx: JourneyContext) -> None:
    """What the SharePoint store finds out (edits that beat a change from Teams, config
    edits it cannot use) reaches the journeys as events."""
    if opened.on_not_applied is not None:
        opened.on_not_applied(_publisher(ctx, REQUEST_NOT_APPLIED))
    if opened.on_config_problem is not None:
        ctx.in_background(opened.on_config_problem(_publisher(ctx, CONFIG_PROBLEM)))


async def _resources(app: web.Application) -> AsyncIterator[None]:
    opened = await open_store(app[SETTINGS], app[CLOCK], app.get(GRAPH))
    app[STORE] = opened
    if opened.azure is not None:  # Idempotency-Keys shared by every instance, not a file
        app[API].idempotency = AzureIdempotency(opened.azure, app[CLOCK])
    use_pseudonym_key(
        await shared_pseudonym_key(opened.azure)
        if opened.azure is not None
        else local_pseudonym_key(app[SETTINGS].data_dir)
    )
    ctx = _journey_context(app, opened)
    # Every request added or saved, by anyone, is announced (REQUEST_SAVED).
    ctx.store = cast(Store, ObservedStore(opened.store, _publisher_now(ctx, REQUEST_SAVED)))
    if ctx.roster is not None:
        ctx.in_background(ctx.roster.members())  # read the group now, not on the first click
    built = [register(ctx) for register in journeys.load()]
    ctx.personal_data = all_of(journey.personal_data for journey in built)
    _store_news_to_journeys(opened, ctx)
    register_journeys(app[AGENT], ctx, built)
    app[AGENT].before_turn(_replies_within_limits)
    app[ROUTES].update(
        {(route.method, route.path): route.handler for journey in built for route in journey.routes}
    )
    app[CONTEXT] = ctx
    app[API].start(op for journey in built for op in journey.operations)
    loops: list[asyncio.Future[Any]] = [
        asyncio.ensure_future(loop()) for journey in built for loop in journey.loops
    ]
    if opened.background is not None:
        loops.append(asyncio.ensure_future(opened.background()))
    for journey in built:
        if journey.on_start is not None:
            ctx.in_background(journey.on_start())
    yield
    app[API].stop()
    await _cancel_all(loops)
    await _settle(list(ctx.tasks))
    for journey in built:
        if journey.on_stop is not None:
            try:
                await journey.on_stop()
            except Exception:
                logger.exception("Stopping the %s journey failed", journey.name)
    if opened.close is not None:
        await opened.close()


async def _replies_within_limits(context: TurnContext, state: Any) -> bool:
    """Every reply inside a turn is tried again when Teams answers 429 (a proactive card
    to the same chat may have used the room), so a busy chat never turns a person's
    message into an error."""
    conversation_id = str(getattr(context.activity.conversation, "id", "") or "")

    async def send(
        _: TurnContext, activities: list[Any], next_send: Callable[[], Awaitable[Any]]
    ) -> Any:
        return await reply_within_limits(next_send, conversation_id)

    context.on_send_activities(send)
    return True


STOP_WAIT = 10.0  # seconds the app waits for its loops and background work to stop


SETTLE_WAIT = 2.0  # seconds one-off background work (a send under way) gets to finish


async def _settle(tasks: list[asyncio.Future[Any]]) -> None:
    """Let one-off background work finish before it is cancelled, for a short while.

    A card that has reached Teams but is not yet marked sent would otherwise have its
    once-only key released by the cancel, and be sent again by the next instance."""
    if tasks:
        await asyncio.wait(tasks, timeout=SETTLE_WAIT)
    await _cancel_all(tasks)


async def _cancel_all(tasks: list[asyncio.Future[Any]]) -> None:
    """Cancel every task and wait for them, but not for ever: a task that does not stop
    (one that swallowed its cancel) is logged and left, so stopping never hangs."""
    for task in tasks:
        task.cancel()
    if not tasks:
        return
    _, still = await asyncio.wait(tasks, timeout=STOP_WAIT)
    for task in still:
        logger.error("A background task did not stop within %.0f s: %r", STOP_WAIT, task)
    for task in tasks:
        if task.done() and not task.cancelled():
            task.exception()  # seen, so asyncio does not warn that it never was


def _journey_route(method: str, path: str) -> Handler:
    """A route fixed before start-up, answered by the running journey's handler."""

    async def handle(request: web.Request) -> web.StreamResponse:
        handler = request.app[ROUTES].get((method, path))
        if handler is None:  # the app is starting or stopping
            return web.json_response({"status": "unavailable"}, status=503)
        response: web.StreamResponse = await handler(request)
        return response

    return handle


def create_app(
    settings: Settings,
    graph: object = None,
    clock: Clock | None = None,
    connections: Connections | None = None,
) -> web.Application:
    """The service. `clock` is the time everything uses (tests pass their own);
    `connections` gives the bot its own outgoing tokens (MSAL from the settings unless
    a test brings its own)."""
    app = web.Application(client_max_size=1024 * 1024)
    app[CLOCK] = clock or SystemClock()
    if graph is not None:
        app[GRAPH] = graph
    connections = connections or build_connections(settings)
    agent, adapter = build_agent(settings, connections)
    app[SETTINGS] = settings
    app[AGENT] = agent
    app[ADAPTER] = adapter
    tokens = None
    if not settings.anonymous:
        policy = TokenPolicy(
            app_id=settings.client_id,
            tenant_id=settings.tenant_id,
            channel_metadata_url=settings.channel_metadata_url,
            entra_metadata_url=settings.entra_metadata_url,
            allowed_callers=settings.allowed_callers,
        )
        tokens = TokenValidator(policy, app[CLOCK])
        app.on_cleanup.append(lambda _: tokens.close())
    door = Door(settings, reply_hosts_for(settings), tokens)
    app.router.add_post("/api/messages", traced_turns(guarded(door, messages)))
    app.router.add_get("/api/messages", messages_probe)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app[ROUTES] = {}
    for route in journeys.declared_routes():
        handler = _journey_route(route.method, route.path)
        if route.method == "GET":
            app.router.add_get(route.path, handler)  # HEAD too, as for any web page
        else:
            app.router.add_route(route.method, route.path, handler)
    _mount_api(app, settings, tokens is not None)
    app.cleanup_ctx.append(_resources)
    return app


def _api_auth(settings: Settings, m365: bool, clock: Clock) -> ApiAuth:
    """Entra tokens for the API's app registration when the bot has a client id;
    locally, the API key (deploy/api.md)."""
    if m365:
        return EntraAuth(
            settings.api.audiences(),
            settings.tenant_id,
            settings.allowed_tenants,
            settings.entra_metadata_url,
            clock,
        )
    return ApiKeyAuth(settings.api.key, settings.api.key_user, settings.api.key_user_name)


def _mount_api(app: web.Application, settings: Settings, m365: bool) -> None:
    """The REST API: a route per operation the journeys declare, and its document."""
    # Opened on first use; with STATE_STORE=azure, _resources puts AzureIdempotency in its
    # place before the API starts, so this file is never made.
    idempotency = SqliteIdempotency(settings.data_dir / "api.sqlite3", app[CLOCK])
    api = ApiServer(
        auth=_api_auth(settings, m365, app[CLOCK]),
        limiter=TokenBuckets(settings.api.rate_per_minute),
        idempotency=idempotency,
        guard_failed_sign_ins=not m365,
    )
    app[API] = api
    app.on_cleanup.append(lambda _: idempotency.close())
    declared = journeys.declared_operations()
    mount(app, api, declared)
    if m365:
        described = document(declared, tenant_id=settings.tenant_id, audience=settings.api.audience)
    else:
        described = document(declared)

    async def openapi(request: web.Request) -> web.Response:
        return web.json_response({**described, "servers": [{"url": api.base_url(request)}]})

    app.router.add_get("/api/v1/openapi.json", openapi)

"""Installing the bot for a person through Graph, so it can start a chat with them.

Teams lets a bot message someone only where it is installed. Before making a 1:1 chat
with a person who never spoke to the bot, the bot installs itself for them:
POST /users/{id}/teamwork/installedApps with `teamsApp@odata.bind` naming the app in the
organisation's catalogue. 409 means it is already installed, which is fine.
Application permission: TeamsAppInstallation.ReadWriteSelfForUser.All (see deploy/).
"""

from __future__ import annotations

import logging

from kiota_abstractions.api_error import APIError
from msgraph import GraphServiceClient
from msgraph.generated.models.user_scope_teams_app_installation import (
    UserScopeTeamsAppInstallation,
)

from bot.delivery import NotInstalled
from graph_clients.client import GraphUnavailable, RetryPolicy, with_retries

logger = logging.getLogger(__name__)

REMEMBERED = 10_000  # people known to have the app, before the list starts again


class AppInstaller:
    def __init__(
        self, client: GraphServiceClient, teams_app_id: str, base_url: str, policy: RetryPolicy
    ) -> None:
        self._client = client
        self._catalog_app = f"{base_url.rstrip('/')}/appCatalogs/teamsApps/{teams_app_id}"
        self._policy = policy
        self._installed: set[str] = set()

    async def install_for(self, user_id: str) -> None:
        """Raises NotInstalled (for example 404: no such person; 403: no consent; or Graph
        could not be reached within the retry policy)."""
        if user_id in self._installed:
            return
        body = UserScopeTeamsAppInstallation()
        body.additional_data = {"teamsApp@odata.bind": self._catalog_app}
        apps = self._client.users.by_user_id(user_id).teamwork.installed_apps

        async def post() -> UserScopeTeamsAppInstallation | None:
            return await apps.post(body)

        try:
            # Installing twice only gets 409, so a retry after a lost answer is safe.
            await with_retries(post, self._policy, f"Install the app for {user_id[:60]}")
        except APIError as error:
            if error.response_status_code != 409:
                status = error.response_status_code
                raise NotInstalled(f"Graph answered {status} for {user_id[:60]}") from error
        except GraphUnavailable as error:
            raise NotInstalled(f"Graph could not be reached for {user_id[:60]}") from error
        if len(self._installed) >= REMEMBERED:
            self._installed.clear()
        self._installed.add(user_id)

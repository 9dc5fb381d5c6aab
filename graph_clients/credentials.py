"""The azure-identity credential the settings ask for. Building one fetches no token."""

from __future__ import annotations

from azure.identity.aio import (
    CertificateCredential,
    ClientSecretCredential,
    ManagedIdentityCredential,
)

from graph_clients.config import GraphSettings

GraphCredential = ClientSecretCredential | CertificateCredential | ManagedIdentityCredential


def build_credential(settings: GraphSettings) -> GraphCredential:
    if settings.managed_identity:
        # System-assigned when no client id is given, user-assigned otherwise.
        return ManagedIdentityCredential(client_id=settings.managed_identity_client_id or None)
    if settings.certificate_path:
        return CertificateCredential(
            settings.tenant_id,
            settings.client_id,
            certificate_path=settings.certificate_path,
            password=settings.certificate_password or None,
            authority=settings.authority_host,
        )
    return ClientSecretCredential(
        settings.tenant_id,
        settings.client_id,
        settings.client_secret,
        authority=settings.authority_host,
    )

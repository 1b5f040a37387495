"""Believing X-Forwarded-For and X-Forwarded-Proto only from the reverse proxies Waypoint is configured with.

Throttling and the audit trail record the client's address. Behind the proxy that address is in
X-Forwarded-For, but any client can send that header: if gunicorn can be reached without the proxy, the
client would choose the address recorded. So the headers count only when the immediate peer (REMOTE_ADDR)
is one of TRUSTED_PROXIES; from any other peer they are removed and the peer's own address stands.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import TYPE_CHECKING

from werkzeug.middleware.proxy_fix import ProxyFix

from config import UNIX_SOCKET_PEER

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

FORWARDED_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST",
                     "HTTP_X_FORWARDED_PORT", "HTTP_X_FORWARDED_PREFIX", "HTTP_FORWARDED")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TrustedProxies:
    """WSGI middleware: ProxyFix (`hops` proxies, for X-Forwarded-For and -Proto) for requests from a trusted
    peer; for every other request the forwarded headers are dropped before Waypoint sees them."""

    def __init__(self, app: WSGIApplication, trusted: Iterable[str], hops: int) -> None:
        self.app = app
        self.proxied = ProxyFix(app, x_for=hops, x_proto=hops)
        entries = list(trusted)
        self.unix_socket = UNIX_SOCKET_PEER in entries
        self.networks: list[Network] = [ipaddress.ip_network(e) for e in entries if e != UNIX_SOCKET_PEER]

    def trusts(self, peer: str) -> bool:
        """Whether the immediate peer is one of the proxies. gunicorn gives an empty REMOTE_ADDR for a
        peer on a unix socket; an IPv4 peer on a dual-stack socket comes as ::ffff:a.b.c.d."""
        if not peer:
            return self.unix_socket
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address in network for network in self.networks)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if self.trusts(environ.get("REMOTE_ADDR", "")):
            return self.proxied(environ, start_response)
        for header in FORWARDED_HEADERS:
            environ.pop(header, None)
        return self.app(environ, start_response)

"""A proxy.py plugin for the network tests: writes each request the proxy parsed to a file.

Loaded by the real proxy.py process (`--plugins tests.conformance.proxy_recorder.Recorder`);
the file (env EMBEDCHECK_PROXY_RECORD) is what the proxy could read of our traffic: the
request line and headers of every http request and of every CONNECT.
"""

from __future__ import annotations

import os

from proxy.http.parser import HttpParser
from proxy.http.proxy import HttpProxyBasePlugin

SEPARATOR = b"\n----- next request -----\n"


class Recorder(HttpProxyBasePlugin):
    def handle_client_request(self, request: HttpParser) -> HttpParser | None:
        path = os.environ.get("EMBEDCHECK_PROXY_RECORD")
        if path:
            with open(path, "ab") as record:
                record.write(request.build(disable_headers=[], for_proxy=True) + SEPARATOR)
        return request

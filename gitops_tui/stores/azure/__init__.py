"""Azure Table Storage (and the Cosmos DB Table API, and Azurite) as a telemetry store.

Reads a Bedrock table exactly as the pipelines wrote it; every row comes back as a plain
dict (see :mod:`gitops_tui.domain.model`). The azure SDK is imported only when a store
connects. Modules: :mod:`.store` (the Store itself), :mod:`.auth` (endpoint and
credentials), :mod:`.entities` (entity <-> row), :mod:`.cursor` (incremental polls),
:mod:`.errors` (safe, secret-free messages).
"""

from gitops_tui.stores.azure.cursor import AzureCursor
from gitops_tui.stores.azure.store import AzureTableStore

__all__ = ["AzureCursor", "AzureTableStore"]

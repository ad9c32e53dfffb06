"""The fast paths behind the monitor: bulk load, compact rows, journey index, table model.

Private to this package: what leaves it is the domain's plain values (proven equal to
:mod:`gitops_tui.domain.rules` by the tests)."""

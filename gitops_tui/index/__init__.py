"""The fast paths behind the monitor and `get`: compact records, bulk load, journey index, table model.

Its interface is small: :class:`~gitops_tui.index.journey.JourneyIndex` (``load``,
``add_page``/``finish_load`` for a paged load, ``apply`` for a poll, ``snapshot``),
:func:`~gitops_tui.index.journey.merge`, and the TUI's
:class:`~gitops_tui.index.table.TableModel` (filter, sort, value sets, overviews).
What leaves the package is the domain's plain values: records stay inside, and
``tests/unit/test_fast_path.py`` proves the values equal :mod:`gitops_tui.domain.rules`'.
"""

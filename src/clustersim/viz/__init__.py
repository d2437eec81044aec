"""The teaching dashboard: a Mesa SolaraViz web app (``clustersim dashboard``).

Modules: :mod:`~clustersim.viz.levers` (levers -> validated scenarios, no UI),
:mod:`~clustersim.viz.dashboard_model` (one or two runs stepped together),
:mod:`~clustersim.viz.network` and :mod:`~clustersim.viz.charts` (matplotlib drawings),
:mod:`~clustersim.viz.components` and :mod:`~clustersim.viz.app` (Solara),
:mod:`~clustersim.viz.about` (the About page) and :mod:`~clustersim.viz.cli` (the command).
Importing this package does not import Solara.
"""

"""One module per view: detail (drill-down), rings, clusters, help. The deployments
view is the table widget itself (widgets/deployment_table.py)."""

"""One module per widget: the line-API deployments table, status bar, filter line, picker."""

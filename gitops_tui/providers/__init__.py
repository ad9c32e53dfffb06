"""CI and git providers (Azure DevOps, GitHub, GitLab): async REST clients that turn a
stage id, a commit or a PR number into facts. Headless; no Textual."""

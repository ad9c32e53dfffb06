"""The language of deployments: values, vocabulary, rules, the filter language, overviews.

Plain, immutable and pure: no I/O, no Textual, no storage formats. Everything else imports it."""

"""Built-in adapters: storage backends, notifiers and printers, each registered as a plugin."""

"""gunicorn settings for `make run`: threads serve long media downloads without blocking pages."""
workers = 2
worker_class = "gthread"
threads = 8
timeout = 120
graceful_timeout = 10
accesslog = "-"
# The control socket would live in $HOME and clash between instances on one machine.
control_socket_disable = True

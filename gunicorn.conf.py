"""gunicorn's production settings, used by `make serve` (`gunicorn -c gunicorn.conf.py syllabus.wsgi`).

Sync workers: each handles one request at a time, so a client that sends its body slowly holds a
worker until `timeout`. In production a proxy (nginx) in front buffers whole request bodies before
passing them on (see README "Production"); then these limits are the second line, not the first.
Any value can be overridden for one run: GUNICORN_CMD_ARGS="--timeout 90" make serve.
"""

import os

wsgi_app = "syllabus.wsgi"

# Workers: WEB_CONCURRENCY (the convention of Heroku, Render and gunicorn itself), default 3.
workers = int(os.environ.get("WEB_CONCURRENCY") or 3)
worker_class = "sync"
# A worker silent for this long is killed and replaced. Uploads draw a PDF preview for up to
# SLIDE_PREVIEW_SECONDS (20 s by default), so 30 s would cut a slow but legitimate upload short.
timeout = 60
# On a restart, requests in progress get this long to finish.
graceful_timeout = 30
# Seconds an idle keep-alive connection stays open (sync workers close after each response anyway;
# this matters for the other worker classes).
keepalive = 5
# Restart workers now and then, so that memory a library leaks (PDF, image decoders) is returned.
max_requests = 1000
max_requests_jitter = 100
# Request line and headers: gunicorn's defaults, stated. Longer lines get 414, more fields 400.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
# gunicorn 27 also opens a control socket ($HOME/.gunicorn/gunicorn.ctl); nothing here uses it.
control_socket_disable = True
# The heartbeat file in memory, not on a disk that may stall (containers).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# One line per request on stdout, with its duration in milliseconds; errors on stderr.
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'

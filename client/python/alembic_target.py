"""Which database would alembic change? Runs the project's env.py the way `alembic upgrade`
does (online mode), with SQLAlchemy's engine creation intercepted before env.py imports it,
and prints one JSON line describing the URL env.py built: driver, host, port, database, user
and query options. It never opens a connection and never prints the password: when the URL
(or connect_args) holds one, it is written to file descriptor 3 if the caller opened it, so
the extension can read that database's version table without the secret touching any output.

Usage: python alembic_target.py -c alembic.ini [-n section] [-x key=value ...]
Shipped with the Alembic Migrations extension; runs project code, so only in trusted workspaces.
"""
import argparse
import json
import os
import re
import sys

PASSWORD_KEYS = {"password", "passwd", "pwd", "sslpassword"}
CONNECT_ARG_KEYS = ("host", "hostaddr", "port", "dbname", "database", "user", "service", "sslmode", "options")
PG_ENV = ("PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE", "PGSSLMODE")


class Captured(BaseException):
    """Raised instead of creating an engine. A BaseException, so `except Exception` in env.py does not swallow it."""


def redact(text):
    text = re.sub(r"(://[^/\s:@]*:)[^\s]*@", r"\1***@", text)
    return re.sub(r"(?i)(password|passwd|pwd)(\s*[=:]\s*)\S+", r"\1\2***", text)


def emit(out, payload):
    out.write(json.dumps(payload) + "\n")
    out.flush()


def give_password(password):
    if not password:
        return
    try:
        os.write(3, str(password).encode("utf-8"))
        os.close(3)
    except OSError:
        pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-c", dest="config", required=True)
    parser.add_argument("-n", dest="name", default="alembic")
    parser.add_argument("-x", dest="x", action="append")
    opts = parser.parse_args()

    out = sys.stdout
    # Whatever env.py prints goes to stderr: stdout carries the one JSON line.
    sys.stdout = sys.stderr
    found = {}

    def fail(reason):
        emit(out, {"kind": "unknown", "reason": redact(reason)})
        return 0

    try:
        import sqlalchemy
        import sqlalchemy.engine
        from sqlalchemy.engine.url import make_url
    except Exception as e:  # noqa: BLE001 - any import failure means "cannot tell"
        return fail("SQLAlchemy is not importable with this interpreter (%s)" % type(e).__name__)

    def capture(via, url, kwargs):
        if kwargs.get("creator") is not None or kwargs.get("async_creator") is not None:
            found["unknown"] = "env.py builds its connections at connect time (creator=), so the database is known only then"
            raise Captured()
        found["via"] = via
        found["url"] = make_url(url)
        found["connect_args"] = dict(kwargs.get("connect_args") or {})
        raise Captured()

    def create_engine(url, *args, **kwargs):
        capture("create_engine", url, kwargs)

    def engine_from_config(configuration, prefix="sqlalchemy.", **kwargs):
        options = {k[len(prefix):]: v for k, v in dict(configuration).items() if k.startswith(prefix)}
        if "url" not in options and "url" not in kwargs:
            found["unknown"] = "engine_from_config() got no %surl" % prefix
            raise Captured()
        capture("engine_from_config", kwargs.get("url", options.get("url")), kwargs)

    def create_async_engine(url, *args, **kwargs):
        capture("create_async_engine", url, kwargs)

    def async_engine_from_config(configuration, prefix="sqlalchemy.", **kwargs):
        options = {k[len(prefix):]: v for k, v in dict(configuration).items() if k.startswith(prefix)}
        capture("async_engine_from_config", kwargs.get("url", options.get("url")), kwargs)

    modules = [sqlalchemy, sqlalchemy.engine]
    try:
        import sqlalchemy.engine.create as create_module
        modules.append(create_module)
    except Exception:  # noqa: BLE001 - older SQLAlchemy
        pass
    for module in modules:
        if hasattr(module, "create_engine"):
            module.create_engine = create_engine
        if hasattr(module, "engine_from_config"):
            module.engine_from_config = engine_from_config
    try:
        import sqlalchemy.ext.asyncio as asyncio_module
        import sqlalchemy.ext.asyncio.engine as asyncio_engine
        for module in (asyncio_module, asyncio_engine):
            if hasattr(module, "create_async_engine"):
                module.create_async_engine = create_async_engine
            if hasattr(module, "async_engine_from_config"):
                module.async_engine_from_config = async_engine_from_config
    except Exception:  # noqa: BLE001 - no asyncio extension (no greenlet): sync env.py only
        pass

    try:
        from alembic.config import Config
        from alembic.runtime.environment import EnvironmentContext
        from alembic.script import ScriptDirectory
    except Exception as e:  # noqa: BLE001
        return fail("alembic is not importable with this interpreter (%s)" % type(e).__name__)

    cmd_opts = argparse.Namespace(
        x=opts.x, config=opts.config, name=opts.name, autogenerate=False, sql=False, tag=None,
        raiseerr=False, quiet=False, verbose=False,
    )
    try:
        config = Config(opts.config, ini_section=opts.name, cmd_opts=cmd_opts)
        script = ScriptDirectory.from_config(config)

        def never(rev, context):
            return []

        with EnvironmentContext(config, script, fn=never, as_sql=False, starting_rev=None, destination_rev="heads"):
            script.run_env()
    except Captured:
        pass
    except SystemExit as e:
        if "url" not in found:
            return fail("env.py exited (SystemExit %s) before it created an engine" % (e.code,))
    except BaseException as e:  # noqa: BLE001 - env.py is arbitrary code
        if "url" not in found and "unknown" not in found:
            return fail("env.py raised %s: %s" % (type(e).__name__, str(e).splitlines()[0][:200] if str(e) else ""))

    if "unknown" in found:
        return fail(found["unknown"])
    if "url" not in found:
        return fail("env.py finished without creating a SQLAlchemy engine (it may connect another way)")

    url = found["url"]
    password = url.password
    connect_args = found["connect_args"]
    if not password:
        for key in PASSWORD_KEYS:
            if connect_args.get(key):
                password = connect_args[key]
                break
    query = {}
    for key, value in dict(url.query).items():
        if key.lower() in PASSWORD_KEYS:
            if not password:
                password = value if isinstance(value, str) else value[0]
            continue
        query[key] = value if isinstance(value, str) else list(value)
    emit(out, {
        "kind": "ok",
        "via": found["via"],
        "drivername": url.drivername,
        "host": url.host,
        "port": url.port,
        "database": url.database,
        "username": url.username,
        "query": query,
        "connectArgs": {k: str(connect_args[k]) for k in CONNECT_ARG_KEYS if connect_args.get(k) is not None},
        "env": {k: os.environ[k] for k in PG_ENV if os.environ.get(k)},
        "hasPassword": bool(password),
    })
    give_password(password)
    return 0


if __name__ == "__main__":
    sys.exit(main())

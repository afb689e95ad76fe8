"""``claimwatch users``: the desk's people (reviewer, editor, admin) and their API tokens."""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from claimwatch.cli.render import plain
from claimwatch.errors import AuthError
from claimwatch.resources import ready_database
from claimwatch.review.auth import (
    ROLES,
    create_token,
    create_user,
    revoke_token,
    set_active,
    set_password,
)
from claimwatch.store.db import session_scope
from claimwatch.store.schema import User

app = typer.Typer(help="Users and API tokens.", no_args_is_help=True, rich_markup_mode=None)
console = Console()


def _read_password() -> str:
    """Asked twice at a terminal; otherwise the first line of standard input (for scripts)."""
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != first:
            raise AuthError("the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\n")


@app.command("add")
def add_command(
    username: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Option(help=" | ".join(ROLES))] = "reviewer",
    password: Annotated[
        bool, typer.Option("--password", help="Set a password to sign in to the web app.")
    ] = False,
) -> None:
    """Add a user with a role (and a password to sign in with)."""
    secret = _read_password() if password else None
    with session_scope(ready_database()) as session:
        user = create_user(session, username, role, actor=getpass.getuser())
        if secret is not None:
            set_password(session, username, secret, actor=getpass.getuser())
        console.print(f"User {user.username} ({user.role}) added", markup=False)


@app.command("password")
def password_command(username: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Set a user's password (stored as an argon2id hash); their web sessions end."""
    secret = _read_password()
    with session_scope(ready_database()) as session:
        set_password(session, username, secret, actor=getpass.getuser())
    console.print(f"Password of {username} set", markup=False)


@app.command("deactivate")
def deactivate_command(username: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Stop a user: their web sessions end at once and their API tokens stop working."""
    with session_scope(ready_database()) as session:
        set_active(session, username, False, actor=getpass.getuser())
    console.print(f"{username} deactivated; signed out everywhere", markup=False)


@app.command("activate")
def activate_command(username: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Let a deactivated user sign in again."""
    with session_scope(ready_database()) as session:
        set_active(session, username, True, actor=getpass.getuser())
    console.print(f"{username} active", markup=False)


@app.command("list")
def list_command() -> None:
    """Users, their roles and their active tokens."""
    table = Table(title="Users")
    for column in ("User", "Role", "Active", "Tokens"):
        table.add_column(column)
    with session_scope(ready_database()) as session:
        for user in session.scalars(select(User).order_by(User.username)):
            tokens = ", ".join(
                f"#{t.id} {t.name} ({t.prefix}…)" for t in user.tokens if t.revoked_at is None
            )
            table.add_row(plain(user.username), user.role, str(user.active), plain(tokens))
    console.print(table)


@app.command("token")
def token_command(
    username: Annotated[str, typer.Argument(help="Whose token.")],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "api",
) -> None:
    """Create an API token for a user; it is printed once and never stored in clear."""
    with session_scope(ready_database()) as session:
        token = create_token(session, username, name, actor=getpass.getuser())
    console.print(f"Token #{token.id} ({token.name}) for {username}; keep it now:", markup=False)
    typer.echo(token.token)


@app.command("revoke")
def revoke_command(token_id: Annotated[int, typer.Argument(help="Token number.")]) -> None:
    """Revoke an API token."""
    with session_scope(ready_database()) as session:
        revoke_token(session, token_id, actor=getpass.getuser())
    console.print(f"Token #{token_id} revoked", markup=False)

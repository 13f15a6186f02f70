"""`workbench user …`: accounts and roles."""

from __future__ import annotations

import sys

import click

from services.identity import users
from services.identity.rbac import ROLES
from workbench.cli.base import echo_json, operator
from workbench.responses.identity import UserSummary


@click.group("user")
def user_group() -> None:
    """Accounts and roles."""


@user_group.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--name", "full_name", default="", help="Full name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def user_create(email: str, role: str, full_name: str, password_stdin: bool) -> None:
    """Create a user; without --password-stdin a password is generated and printed once."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    created = users.create_user(operator(), email, role, full_name=full_name, password=password)
    click.echo(f"created {created.user.email} ({created.user.role})")
    if created.password:
        click.echo(f"password: {created.password}")


@user_group.command("list")
@click.option("--json", "as_json", is_flag=True)
def user_list(as_json: bool) -> None:
    """List users."""
    rows = users.list_users(operator())
    if as_json:
        echo_json([UserSummary.of(u) for u in rows])
        return
    for u in rows:
        click.echo(f"{u.email:40} {u.role:9} {'active' if u.is_active else 'disabled':8} {u.full_name}")


@user_group.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice(ROLES))
def user_set_role(email: str, role: str) -> None:
    """Change a user's role."""
    user = users.set_role(operator(), email, role)
    click.echo(f"{user.email} is now {user.role}")


@user_group.command("disable")
@click.argument("email")
def user_disable(email: str) -> None:
    """Disable a user and end their sessions."""
    user = users.set_active(operator(), email, False)
    click.echo(f"{user.email} disabled")


@user_group.command("enable")
@click.argument("email")
def user_enable(email: str) -> None:
    """Re-enable a disabled user."""
    user = users.set_active(operator(), email, True)
    click.echo(f"{user.email} enabled")


@user_group.command("reset-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input.")
def user_reset_password(email: str, password_stdin: bool) -> None:
    """Set a new password (generated and printed once unless read from stdin)."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    generated = users.reset_password(operator(), email, password=password)
    click.echo(f"password reset for {users.normalize_email(email)}")
    if generated:
        click.echo(f"password: {generated}")

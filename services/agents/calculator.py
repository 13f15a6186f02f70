"""The agents' calculator: arithmetic on exact decimals (money stays exact), read with Python's `ast` and
walked node by node — never `eval`. Numbers, + − × ÷ // % **, parentheses and round/abs/min/max/sqrt; no
names, attributes, subscripts or anything else. Exponents are whole and at most 1,000; results carry 50
significant digits and stay below 10^1000."""

from __future__ import annotations

import ast
import decimal
from decimal import Decimal

from services.core.errors import InvalidInput

MAX_CHARS = 500
MAX_NODES = 200
MAX_EXPONENT = 1000
CONTEXT = decimal.Context(prec=50, Emax=999, Emin=-999, traps=[decimal.Overflow, decimal.InvalidOperation,
                                                               decimal.DivisionByZero])
FUNCTIONS = {"round", "abs", "min", "max", "sqrt"}


def _number(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput("Only numbers are allowed.")
    return CONTEXT.create_decimal(str(value))


def _call(node: ast.Call) -> Decimal:
    if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS or node.keywords:
        raise InvalidInput(f"Only these functions: {', '.join(sorted(FUNCTIONS))}.")
    args = [_walk(a) for a in node.args]
    name = node.func.id
    if name in ("min", "max") and args:
        return (min if name == "min" else max)(args)
    if name == "abs" and len(args) == 1:
        return abs(args[0])
    if name == "sqrt" and len(args) == 1:
        if args[0] < 0:
            raise InvalidInput("sqrt of a negative number.")
        return args[0].sqrt(CONTEXT)
    if name == "round" and len(args) in (1, 2):
        places = int(args[1]) if len(args) == 2 else 0
        if not -20 <= places <= 20:
            raise InvalidInput("round() keeps between -20 and 20 decimal places.")
        return args[0].quantize(Decimal(1).scaleb(-places), rounding=decimal.ROUND_HALF_UP, context=CONTEXT)
    raise InvalidInput(f"{name}() got the wrong number of arguments.")


def _walk(node: ast.AST) -> Decimal:
    if isinstance(node, ast.Constant):
        return _number(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd | ast.USub):
        value = _walk(node.operand)
        return value if isinstance(node.op, ast.UAdd) else -value
    if isinstance(node, ast.BinOp):
        left, right = _walk(node.left), _walk(node.right)
        op = node.op
        if isinstance(op, ast.Add):
            return CONTEXT.add(left, right)
        if isinstance(op, ast.Sub):
            return CONTEXT.subtract(left, right)
        if isinstance(op, ast.Mult):
            return CONTEXT.multiply(left, right)
        if isinstance(op, ast.Div):
            return CONTEXT.divide(left, right)
        if isinstance(op, ast.FloorDiv):
            return CONTEXT.divide_int(left, right)
        if isinstance(op, ast.Mod):
            return CONTEXT.remainder(left, right)
        if isinstance(op, ast.Pow):
            if right != right.to_integral_value() or abs(right) > MAX_EXPONENT:
                raise InvalidInput(f"Exponents are whole numbers up to {MAX_EXPONENT}.")
            return CONTEXT.power(left, right)
    if isinstance(node, ast.Call):
        return _call(node)
    raise InvalidInput(f"{type(node).__name__} is not arithmetic: only numbers, + - * / // % **, parentheses and"
                       f" {', '.join(sorted(FUNCTIONS))}.")


def evaluate(expression: str) -> Decimal:
    """The value of an arithmetic expression; InvalidInput (saying why) for anything else."""
    text = (expression or "").strip()
    if not text or len(text) > MAX_CHARS:
        raise InvalidInput(f"Give an arithmetic expression of 1–{MAX_CHARS} characters.")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise InvalidInput(f"That is not an arithmetic expression: {exc.msg}.") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise InvalidInput("The expression is too long.")
    try:
        value = _walk(tree.body)
    except decimal.DivisionByZero:
        raise InvalidInput("Division by zero.") from None
    except (decimal.Overflow, decimal.InvalidOperation) as exc:
        raise InvalidInput(f"The result is out of range ({type(exc).__name__}).") from None
    return value.normalize(CONTEXT) if value == value.to_integral_value() else value


def render(value: Decimal) -> str:
    """Plain notation, no exponent (1.5E+3 → 1500)."""
    return format(value, "f")

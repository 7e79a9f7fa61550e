"""Loans: products, schedule math (pure), applications, repayments, penalties, aging."""

"""Deposits: deposit products; savings, shares and fixed-deposit accounts; teller
postings; payroll check-off; statements; member exit."""

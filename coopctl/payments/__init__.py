"""Payment gateways (Paystack, Flutterwave): signed webhooks into an inbox, processing
onto members' accounts through the posting engine, settlements and fees."""

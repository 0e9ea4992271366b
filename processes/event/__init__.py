"""活动: sign-ups with capacity, waitlist and check-in, and cancellation notices."""

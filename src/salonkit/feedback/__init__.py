"""Feedback: post-visit surveys (rating, recommendation score, comment) and complaints with a
response deadline and escalation.

The service is :class:`salonkit.feedback.service.FeedbackService` (``salon.feedback``).
"""

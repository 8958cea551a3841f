"""What people read: the progress-versus-target report."""

"""chiso."""

"""Getting export files in: the immutable landing zone, the batch descriptor, the parse and load steps."""

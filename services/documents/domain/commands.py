"""What documents can be asked to do: commands as frozen dataclasses, imperative names
(one handler each, bootstrap.COMMAND_HANDLERS). None yet: the documents issue adds them."""

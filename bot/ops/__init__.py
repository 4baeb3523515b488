"""Operations: configuration checks (doctor, readiness) and log output."""

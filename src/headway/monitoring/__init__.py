"""Model monitoring: data drift, data quality and multivariate drift statistics."""

"""The shared domain layer of the trip-booking saga: request models, the reservation repository,
the saga steps and the Lambda entry point factory. Every function ships this one package."""

#!/bin/sh
export VAULT_ADDR=https://vault.example.internal:8200
export VAULT_TOKEN="$(cat /run/secrets/vault-token)"

"""Zabbix integration: settings, the pyzabbix adapter, monitoring text and review diffs."""

<?php
// vcn: PHP 8 polyfills for ganglia-webfrontend 3.7.5, loaded before every script
// through php-fpm's auto_prepend_file (see web/gweb-install --help).
//
// Patching each call site would touch a dozen files of the bundled Dwoo 1.2
// (it walks arrays with `while (list($k, $v) = each($a))`), and GangliaAuth asks
// get_magic_quotes_gpc(); both functions were removed in PHP 8.0. Defining them
// again keeps those files identical to upstream.

if (!function_exists('each')) {
	// Same contract as PHP 7's each(): the current pair, then advance; false at the end.
	function each(array &$array)
	{
		$key = key($array);
		if ($key === null) {
			return false;
		}
		$value = current($array);
		next($array);
		return array(1 => $value, 'value' => $value, 0 => $key, 'key' => $key);
	}
}

if (!function_exists('get_magic_quotes_gpc')) {
	// Magic quotes are gone since PHP 5.4: input is never pre-escaped.
	function get_magic_quotes_gpc()
	{
		return false;
	}
}
